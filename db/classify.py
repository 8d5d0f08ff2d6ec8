"""Suggest the category and responsible platform of a new work order from its description.

The operator decides; this module only ranks candidates and says how sure it is.

Keyword scores (shared by both methods)
---------------------------------------
Every active leaf category is scored by the ``Category.keywords`` of itself and of its
ancestors found in the normalised text::

    score(c) = sum over distinct matched keywords k of c:  len(k) * w(c, k)
    w(c, k)  = 1.0 if k is one of c's own keywords, 0.5 if only an ancestor's

Keywords are found by one regular expression over all keywords, longest first, so matches
are leftmost-longest and do not overlap: a keyword found only inside a longer matched one
("水" inside "停水") adds nothing, and a keyword repeated in the text counts once.

Two methods
-----------
``model``
    A classifier trained on the database's own closed orders (status ``resolved`` or
    ``archived``) of active leaf categories. Features: TF-IDF over character 1-2-grams of the
    normalised description (no word segmentation, nothing downloaded), plus one column per
    active leaf holding its keyword score / ``KW_FEATURE_SCALE``, so that the admin's
    keywords still count when a caller words a problem in a way the history has not seen.
    Model: multinomial logistic regression (C=20, lbfgs). ``confidence`` is the model's
    ``predict_proba`` for that category: a real probability, summing to 1 over the
    categories the model knows.

``keywords``
    The fallback when there are too few closed orders to learn from (fewer than
    ``min_orders``, or fewer than two categories with at least ``MIN_ORDERS_PER_CATEGORY``
    orders), and the helper when the model is unsure. Categories are ranked by keyword
    score (ties: lower category id first) and ``confidence`` is a function of the score and
    of its margin over the best other category::

        confidence(c) = KW_MAX * s / (s + s_other + KW_SCALE)
                      = KW_MAX * s / (2*s - margin + KW_SCALE),   margin = s - s_other

    with ``s_other`` the best score among the other categories. It is 0 without a match,
    grows with the margin, stays below 0.5 * KW_MAX on a tie, and never reaches KW_MAX
    (0.9): a keyword rule is never certain. One own 2-character keyword and nothing else
    gives 0.45; a 4-character one 0.60; a tie of two 2-character keywords 0.30.

The rule between the two (measured in tests/test_classify.py)
-------------------------------------------------------------
The keyword ranking is preferred when at least one keyword matches and either

- the model is unsure: its top probability is below ``LOW_CONFIDENCE`` (0.35), or
- the best keyword category is one the model could not learn (too few closed orders), and
  its keyword confidence is higher than the model's top probability.

Then the keyword suggestions come first (method ``keywords``, with their matched keywords)
and the model's suggestions fill the remaining places (method ``model``), without repeating
a category. Otherwise, and whenever no keyword matches, the model's ranking is returned as
it is, a low confidence shown as low. Measured on held-out texts worded in ways the history
has not seen, the rule lifts top-1 accuracy (synthetic, 5 seeds: 0.57 -> 0.61 on average;
demo data with one description template per category held out: 0.73 -> 0.80); on familiar
wording it changes nothing (the model is never unsure there).

Platform
--------
The platform suggested with a category is the category's configured ``platform_code``,
inherited from the nearest ancestor that has one; when none has, the platform most often
responsible for the category's closed orders in the training data.

The classifier is a plain object, immutable once built and safe to share between threads
(cache it with ``st.cache_resource`` in the UI). Training reads through the given session
only and never writes or commits. scikit-learn is imported only when a model is trained.
"""

from __future__ import annotations

import math
import os

# the model is read back only by the server process that started the training (components/data.py)
import pickle  # nosec B403
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.engine import make_engine, read_session
from db.models import Category, Platform, WorkOrder

CLOSED_STATUSES = ("resolved", "archived")
LOW_CONFIDENCE = 0.35  # below this model probability a matching keyword rule is preferred
MIN_ORDERS_PER_CATEGORY = 3  # a category with fewer closed orders is left to the keywords
KW_OWN_WEIGHT = 1.0
KW_ANCESTOR_WEIGHT = 0.5
KW_SCALE = 2.0  # pseudo-score in the keyword confidence (weak evidence -> low confidence)
KW_MAX = 0.9  # the keyword confidence never reaches this
KW_FEATURE_SCALE = 4.0  # keyword score -> model feature (one own 4-char keyword = 1.0)
MODEL_C = 20.0  # inverse L2 strength; best held-out log loss among 1, 5, 20, 100
NGRAMS = (1, 2)  # character n-gram lengths: (1, 3) measured no better, 30% slower
PATH_SEP = "/"

_KEYWORD_SPLIT = re.compile(r"[,，、;；|\s]+")
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")


def normalize(text: str | None) -> str:
    """NFKC (full-width -> half-width), lower case, every run of digits -> "0", no spaces."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).lower()
    return _SPACES.sub("", _DIGITS.sub("0", text))


def split_keywords(keywords: str | None) -> tuple[str, ...]:
    """``Category.keywords`` ("停水,水管、漏水") -> normalised distinct keywords, in order."""
    seen: dict[str, None] = {}
    for kw in _KEYWORD_SPLIT.split(keywords or ""):
        kw = normalize(kw)
        if kw:
            seen.setdefault(kw, None)
    return tuple(seen)


def keyword_confidence(score: float, best_other: float) -> float:
    """KW_MAX * s / (s + s_other + KW_SCALE): 0 without a match, rising with the margin
    ``s - s_other``, below KW_MAX / 2 on a tie, never KW_MAX."""
    if not score > 0 or not math.isfinite(score):
        return 0.0
    return float(KW_MAX * score / (score + max(best_other, 0.0) + KW_SCALE))


@dataclass(frozen=True)
class Suggestion:
    category_id: int
    category_name: str  # "一级/二级" path
    platform_code: str | None
    confidence: float  # 0..1
    method: str  # "model" or "keywords"
    matched: tuple[str, ...]  # keywords that matched (keywords method); empty for the model


@dataclass(frozen=True)
class _Leaf:
    id: int
    path: str
    platform_code: str | None
    keywords: dict[str, float]  # normalised keyword -> weight (own 1.0, ancestor-only 0.5)


def _load_leaves(session: Session) -> list[_Leaf]:
    """Active leaf categories (a leaf whose ancestors are all active too), ordered by id."""
    rows = session.execute(
        select(
            Category.id, Category.parent_id, Category.name, Category.platform_code, Category.keywords, Category.active
        ).order_by(Category.id)
    ).all()
    by_id = {r.id: r for r in rows}
    has_children = {r.parent_id for r in rows if r.parent_id is not None}
    leaves: list[_Leaf] = []
    for r in rows:
        if r.id in has_children:
            continue
        chain = [r]
        seen = {r.id}
        while chain[-1].parent_id is not None and chain[-1].parent_id in by_id:
            parent = by_id[chain[-1].parent_id]
            if parent.id in seen:  # a cycle in admin-edited data: stop climbing
                break
            seen.add(parent.id)
            chain.append(parent)
        if not all(node.active for node in chain):
            continue
        path = PATH_SEP.join(node.name for node in reversed(chain))
        platform = next((node.platform_code for node in chain if node.platform_code), None)
        weights: dict[str, float] = {}
        for depth, node in enumerate(chain):
            w = KW_OWN_WEIGHT if depth == 0 else KW_ANCESTOR_WEIGHT
            for kw in split_keywords(node.keywords):
                weights[kw] = max(weights.get(kw, 0.0), w)
        leaves.append(_Leaf(r.id, path, platform, weights))
    return leaves


def _naive_utc(moment: datetime) -> datetime:
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


class _KeywordIndex:
    """All keywords of all leaves in one regular expression, and keyword -> leaves."""

    def __init__(self, leaves: Sequence[_Leaf]):
        self.leaf_ids = tuple(leaf.id for leaf in leaves)
        column = {leaf.id: j for j, leaf in enumerate(leaves)}
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for leaf in leaves:
            for kw, w in leaf.keywords.items():
                self.postings[kw].append((column[leaf.id], len(kw) * w))
        ordered = sorted(self.postings, key=lambda k: (-len(k), k))  # longest first
        self.pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def matched(self, norm: str) -> list[str]:
        """Distinct keywords found in ``norm`` (normalised), in order of appearance."""
        if self.pattern is None:
            return []
        return list(dict.fromkeys(m.group() for m in self.pattern.finditer(norm)))

    def scores(self, norm: str) -> dict[int, tuple[float, tuple[str, ...]]]:
        """Column -> (score, matched keywords of that leaf) for the leaves with a match."""
        acc: dict[int, float] = {}
        hits: dict[int, list[str]] = defaultdict(list)
        for kw in self.matched(norm):
            for j, value in self.postings[kw]:
                acc[j] = acc.get(j, 0.0) + value
                hits[j].append(kw)
        return {j: (acc[j], tuple(hits[j])) for j in acc}

    def features(self, norms: Iterable[str]):
        """Sparse (n, leaves) matrix of keyword score / KW_FEATURE_SCALE."""
        # deferred: scipy.sparse (~0.1-0.2 s to import) serves only a trained model; keyword matching runs without it
        from scipy import sparse

        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        n = 0
        for i, norm in enumerate(norms):
            n = i + 1
            for j, (score, _) in self.scores(norm).items():
                rows.append(i)
                cols.append(j)
                vals.append(score / KW_FEATURE_SCALE)
        return sparse.csr_matrix(
            (np.asarray(vals, dtype=np.float32), (rows, cols)), shape=(n, len(self.leaf_ids)), dtype=np.float32
        )


class CategoryClassifier:
    """Ranks active leaf categories for a description text; see the module docstring."""

    def __init__(
        self,
        leaves: Sequence[_Leaf],
        *,
        vectorizer=None,
        model=None,
        trained_on: int = 0,
        learned_platforms: dict[int, str] | None = None,
    ):
        learned_platforms = learned_platforms or {}
        self._leaves: dict[int, _Leaf] = {
            leaf.id: leaf
            if leaf.platform_code or leaf.id not in learned_platforms
            else _Leaf(leaf.id, leaf.path, learned_platforms[leaf.id], leaf.keywords)
            for leaf in leaves
        }
        self._index = _KeywordIndex(list(self._leaves.values()))
        self._vectorizer = vectorizer
        self._model = model
        self._classes = np.asarray(model.classes_ if model is not None else [], dtype=np.int64)
        self._known = frozenset(int(c) for c in self._classes)
        self._trained_on = trained_on

    # ------------------------------------------------------------------ building

    @classmethod
    def keywords_only(cls, session: Session) -> CategoryClassifier:
        """A classifier that uses the keyword rules only."""
        return cls(_load_leaves(session))

    @classmethod
    def train(
        cls, session: Session, *, max_orders: int = 20000, min_orders: int = 200, now: datetime | None = None
    ) -> CategoryClassifier:
        """Learn from the ``max_orders`` most recent closed orders (received at or before
        ``now`` when given) of active leaf categories. Categories with fewer than
        ``MIN_ORDERS_PER_CATEGORY`` orders are left to the keywords. Falls back to keywords
        only when fewer than ``min_orders`` orders or fewer than 2 categories remain."""
        leaves = _load_leaves(session)
        leaf_ids = [leaf.id for leaf in leaves]
        if not leaf_ids or max_orders <= 0:
            return cls(leaves)
        q = (
            select(WorkOrder.description, WorkOrder.category_id, Platform.code)
            .outerjoin(Platform, Platform.id == WorkOrder.platform_id)
            .where(WorkOrder.status.in_(CLOSED_STATUSES), WorkOrder.category_id.in_(leaf_ids))
            .order_by(WorkOrder.received_at.desc(), WorkOrder.id.desc())
            .limit(max_orders)
        )
        if now is not None:
            q = q.where(WorkOrder.received_at <= _naive_utc(now))
        rows = session.execute(q).all()

        texts: list[str] = []
        labels: list[int] = []
        platforms: dict[int, Counter] = defaultdict(Counter)
        for description, category_id, platform_code in rows:
            text = normalize(description)
            if not text:
                continue
            texts.append(text)
            labels.append(category_id)
            if platform_code:
                platforms[category_id][platform_code] += 1
        learned_platforms = {cid: max(sorted(c), key=c.__getitem__) for cid, c in platforms.items()}

        counts = Counter(labels)
        keep = {cid for cid, n in counts.items() if n >= MIN_ORDERS_PER_CATEGORY}
        pairs = [(t, y) for t, y in zip(texts, labels, strict=False) if y in keep]
        if len(pairs) < max(min_orders, 1) or len(keep) < 2:
            return cls(leaves, learned_platforms=learned_platforms)

        # deferred: scikit-learn (~1 s to import, with scipy) serves only the training process
        from scipy import sparse
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        texts = [t for t, _ in pairs]
        y = np.asarray([lab for _, lab in pairs], dtype=np.int64)
        vectorizer = TfidfVectorizer(
            analyzer="char",
            ngram_range=NGRAMS,
            lowercase=False,
            sublinear_tf=True,
            min_df=2 if len(texts) >= 1000 else 1,
            max_features=100_000,
            dtype=np.float32,
        )
        X = sparse.hstack([vectorizer.fit_transform(texts), _KeywordIndex(leaves).features(texts)], format="csr")
        # lbfgs is deterministic (no random state); tol 1e-3 converges in ~10 iterations here
        model = LogisticRegression(C=MODEL_C, max_iter=300, tol=1e-3)
        model.fit(X, y)
        return cls(
            leaves, vectorizer=vectorizer, model=model, trained_on=len(texts), learned_platforms=learned_platforms
        )

    # ------------------------------------------------------------------ properties

    @property
    def trained_on(self) -> int:
        """Number of orders the model learned from; 0 when only the keywords are used."""
        return self._trained_on

    @property
    def method(self) -> str:
        return "model" if self._model is not None else "keywords"

    @property
    def category_ids(self) -> tuple[int, ...]:
        """The categories that may be suggested (active leaves when the classifier was built)."""
        return tuple(self._leaves)

    # ------------------------------------------------------------------ suggesting

    def suggest(self, text: str, k: int = 3) -> list[Suggestion]:
        """Up to ``k`` suggestions, best first; [] for empty or blank text."""
        norm = normalize(text)
        if not norm or k <= 0:
            return []
        scores = self._index.scores(norm)
        if self._model is None:
            return self._keyword_suggestions(scores, k)
        model = self._model_suggestions(norm, scores, k)
        if not scores:
            return model
        by_keywords = self._keyword_suggestions(scores, k)
        top = by_keywords[0]
        unsure = model[0].confidence < LOW_CONFIDENCE
        unknown = top.category_id not in self._known and top.confidence > model[0].confidence
        if not (unsure or unknown):
            return model
        taken = {s.category_id for s in by_keywords}
        return (by_keywords + [s for s in model if s.category_id not in taken])[:k]

    def keyword_scores(self, text: str) -> dict[int, tuple[float, tuple[str, ...]]]:
        """Category id -> (keyword score, matched keywords) for the categories with a match."""
        ids = self._index.leaf_ids
        return {ids[j]: v for j, v in self._index.scores(normalize(text)).items()}

    def _model_suggestions(self, norm: str, scores, k: int) -> list[Suggestion]:
        # deferred: scipy.sparse (~0.1-0.2 s to import) serves only a trained model; keyword matching runs without it
        from scipy import sparse

        kw = np.zeros((1, len(self._index.leaf_ids)), dtype=np.float32)
        for j, (score, _) in scores.items():
            kw[0, j] = score / KW_FEATURE_SCALE
        X = sparse.hstack([self._vectorizer.transform([norm]), sparse.csr_matrix(kw)], format="csr")
        proba = self._model.predict_proba(X)[0]
        # stable sort: ties keep the class order (category id), so results are repeatable
        order = np.argsort(-proba, kind="stable")[:k]
        out = []
        for i in order:
            leaf = self._leaves[int(self._classes[i])]
            out.append(Suggestion(leaf.id, leaf.path, leaf.platform_code, float(proba[i]), "model", ()))
        return out

    def _keyword_suggestions(self, scores, k: int) -> list[Suggestion]:
        if not scores:
            return []
        ids = self._index.leaf_ids
        ranked = sorted(scores.items(), key=lambda item: (-item[1][0], ids[item[0]]))
        best = ranked[0][1][0]
        second = ranked[1][1][0] if len(ranked) > 1 else 0.0
        out = []
        for rank, (j, (score, matched)) in enumerate(ranked[:k]):
            leaf = self._leaves[ids[j]]
            other = second if rank == 0 else best
            out.append(
                Suggestion(
                    leaf.id, leaf.path, leaf.platform_code, keyword_confidence(score, other), "keywords", matched
                )
            )
        return out


def worth_training(session: Session, min_orders: int = 200) -> bool:
    """Whether ``CategoryClassifier.train`` could learn a model at all: at least ``min_orders``
    closed orders with a category (one cheap count; a new township's empty database, and most
    test databases, need no training process)."""
    n = session.scalar(
        select(func.count())
        .select_from(WorkOrder)
        .where(WorkOrder.status.in_(CLOSED_STATUSES), WorkOrder.category_id.is_not(None))
    )
    return (n or 0) >= min_orders


def train_from_url(database_url: str) -> CategoryClassifier:
    """Train on the database at ``database_url`` with an engine of its own: the entry point of
    the training process (components/data.py), which must not share the server's engine."""
    engine = make_engine(database_url)
    try:
        with read_session(engine) as s:
            return CategoryClassifier.train(s)
    finally:
        engine.dispose()


def _main() -> int:
    """``python -m db.classify OUT``: train on the database in ``GOV_TRAIN_DATABASE_URL`` (not an
    argument: a password would show in the process list) and write the pickled model to OUT."""
    # through the module's own name: run with -m, this file is __main__, and objects made by its
    # classes here would pickle as __main__.CategoryClassifier, which the server cannot load
    # deferred: a self-import, needed only when this file runs as __main__
    from db import classify

    model = classify.train_from_url(os.environ["GOV_TRAIN_DATABASE_URL"])
    with open(sys.argv[1], "wb") as f:
        pickle.dump(model, f)
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
