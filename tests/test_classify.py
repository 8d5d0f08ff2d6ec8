"""Category / platform suggestion (db.classify), evaluated on a hand-made category tree
with a few hundred synthetic closed orders built from templates.

Held-out orders are stored with an open status (``in_progress``), so the training query
itself keeps them out of the model: accuracy is measured on texts the model has not seen.
Two settings: familiar wording (held-out texts draw on the same phrase pool as the history,
in new combinations) and new wording (each category's last two phrases appear only in
held-out texts). The numbers quoted in comments were measured with scikit-learn 1.9.
"""

from __future__ import annotations

import random
import shutil
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, insert, select

from db.classify import (
    KW_MAX,
    LOW_CONFIDENCE,
    CategoryClassifier,
    Suggestion,
    keyword_confidence,
    normalize,
    split_keywords,
)
from db.engine import make_engine, read_session, write_session
from db.models import Category, Platform, Township, WorkOrder

T0 = datetime(2025, 1, 1)

# (id, parent_id, name, platform_code, keywords, active)
TREE = [
    (1, None, "水电", "bianmin", "水,电,停水,停电", True),
    (2, 1, "供水", "bianmin", "自来水,停水,水管,漏水,水压", True),
    (3, 1, "供电", None, "停电,电线,电压,跳闸,变压器", True),  # platform inherited from 水电
    (4, None, "环境", "zhifa", "环境,卫生,污染", True),
    (5, 4, "垃圾清运", "zhifa", "垃圾,清运,垃圾桶,保洁", True),
    (6, 4, "噪声扰民", "zhifa", "噪声,噪音,扰民,广场舞", True),
    (7, 4, "秸秆焚烧", "zhifa", "秸秆,焚烧,浓烟,禁烧", False),  # inactive leaf, has orders
    (8, None, "纠纷", "zongzhi", "纠纷,矛盾", True),
    (9, 8, "邻里矛盾", "zongzhi", "邻居,吵架,辱骂,口角", True),
    (10, 8, "宅基地纠纷", "zongzhi", "宅基地,地界,界桩,院墙", True),
    (11, None, "治安", "zongzhi", "治安,安全", True),
    (12, 11, "电信诈骗", "zongzhi", "诈骗,骗子,转账,冒充", True),  # no orders at all
    (13, None, "旧分类", "zongzhi", "旧", False),  # inactive parent ...
    (14, 13, "旧子类", "zongzhi", "漏水,垃圾", True),  # ... so its active child is out too
]
INACTIVE = {7, 13, 14}
LEAVES_WITH_ORDERS = (2, 3, 5, 6, 7, 9, 10)
PLATFORMS = {"zongzhi": 1, "shichang": 2, "zhifa": 3, "bianmin": 4}

PHRASES = {
    2: (
        "自来水管破裂了",
        "家里停水两天了",
        "水压太低二楼没水",
        "水龙头流出来的水发黄",
        "主管道漏水路面冒水",
        "自来水有异味",
        "水表坏了一直不走",
        "供水时断时续",
    ),
    3: (
        "最近老是停电",
        "电压不稳灯忽明忽暗",
        "电线老化打火花",
        "一下雨就跳闸",
        "变压器嗡嗡响",
        "电线杆歪了",
        "电表跑得特别快",
        "晚上用电高峰带不动空调",
    ),
    5: (
        "垃圾好几天没人清运",
        "垃圾桶满了溢出来",
        "路边堆了很多生活垃圾",
        "保洁员不来打扫",
        "垃圾池臭气熏天",
        "有人乱倒建筑垃圾",
        "垃圾车不按时来",
        "苍蝇蚊子特别多",
    ),
    6: (
        "广场舞音响声音太大",
        "工地夜里施工噪音大",
        "商户高音喇叭扰民",
        "晚上十点以后还很吵",
        "装修电钻声影响休息",
        "烧烤店半夜喧哗",
        "机器轰鸣睡不着觉",
        "喇叭循环叫卖吵人",
    ),
    7: (
        "有人在地里焚烧秸秆",
        "浓烟呛得人喘不过气",
        "烧秸秆的烟影响开车",
        "田里着火冒黑烟",
        "禁烧期间还在点火",
        "麦茬地里有人烧火",
    ),
    9: (
        "和邻居因为琐事吵架",
        "邻居经常辱骂我家老人",
        "两家孩子打闹引发口角",
        "邻居把东西堆到我家门口",
        "邻居养的狗天天叫",
        "和隔壁闹矛盾好久了",
        "邻居说话难听",
    ),
    10: (
        "宅基地边界有争议",
        "邻居盖房占了我家地界",
        "界桩被人挪动了",
        "院墙砌过了界线",
        "老宅基地归属说不清",
        "翻建房屋多占了地方",
        "两家地界一直没理清",
    ),
}
PREFIXES = ("来电人反映：", "群众来访反映：", "网格员巡查发现：", "12345热线转办，群众反映：", "群众网上留言：", "")
PLACES = (
    "蔡庄村村东头",
    "付洼村村口",
    "贾庄村文化广场旁",
    "吉楼村小学附近",
    "闫洼村主干道旁",
    "泌水社区小区门口",
    "双庙街社区单元楼下",
    "王岗村卫生室附近",
)
FILLERS = (
    "希望尽快解决。",
    "请有关部门处理。",
    "已经反映过多次了。",
    "群众意见很大。",
    "请派人来看看。",
    "老人孩子很不方便。",
    "麻烦尽快安排。",
    "",
)


def make_text(rng: random.Random, cat: int, noise: float = 0.1, pool: tuple[str, ...] | None = None) -> str:
    """One synthetic description: prefix, place, one or two phrases (from ``pool``, by
    default all of the category's), a filler, and with probability ``noise`` a distracting
    phrase of another category."""
    pool = pool or PHRASES[cat]
    parts = [rng.choice(PREFIXES), rng.choice(PLACES)]
    phrases = rng.sample(pool, k=min(len(pool), rng.choice((1, 1, 2))))
    parts.append("，".join(phrases) + "，")
    if rng.random() < noise:
        other = rng.choice([c for c in PHRASES if c != cat])
        parts.append("另外" + rng.choice(PHRASES[other]) + "，")
    parts.append(rng.choice(FILLERS))
    return "".join(parts)


def build_db(
    engine, *, n_orders: int = 480, holdout: float = 0.25, seed: int = 11, categories=TREE, unseen_phrases: int = 0
) -> list[tuple[str, int]]:
    """Categories, platforms and ``n_orders`` orders; a ``holdout`` share is stored as open
    (never trained on) and returned as (text, category id). With ``unseen_phrases=n`` the
    last n phrases of each category appear only in held-out texts (new wording)."""
    rng = random.Random(seed)
    held: list[tuple[str, int]] = []
    with write_session(engine) as s:
        s.execute(insert(Township), [dict(id=1, code="T1", name="双庙街乡", county="泌阳县")])
        s.execute(
            insert(Platform), [dict(id=pid, township_id=1, code=code, name=code) for code, pid in PLATFORMS.items()]
        )
        s.execute(
            insert(Category),
            [
                dict(id=i, parent_id=p, code=f"C{i:02d}", name=n, platform_code=pc, keywords=kw, active=a)
                for i, p, n, pc, kw, a in categories
            ],
        )
        platform_of = {2: "bianmin", 3: "bianmin", 5: "zhifa", 6: "zhifa", 7: "zhifa", 9: "zongzhi", 10: "zongzhi"}
        rows = []
        for i in range(n_orders):
            cat = LEAVES_WITH_ORDERS[i % len(LEAVES_WITH_ORDERS)]
            is_held = rng.random() < holdout
            pool = PHRASES[cat]
            if unseen_phrases:
                pool = pool[-unseen_phrases:] if is_held else pool[:-unseen_phrases]
            text = make_text(rng, cat, pool=pool)
            status = "in_progress" if is_held else rng.choice(("resolved", "archived"))
            if is_held and cat not in INACTIVE:
                held.append((text, cat))
            rows.append(
                dict(
                    id=i + 1,
                    number=f"RX-2025-{i + 1:06d}",
                    township_id=1,
                    channel="hotline",
                    category_id=cat,
                    title=text[:20],
                    description=text,
                    platform_id=PLATFORMS[platform_of[cat]],
                    status=status,
                    received_at=T0 + timedelta(hours=3 * i),
                )
            )
        s.execute(insert(WorkOrder), rows)
    return held


def train(engine, **kw) -> CategoryClassifier:
    with read_session(engine) as s:
        return CategoryClassifier.train(s, **kw)


def model_top(clf: CategoryClassifier, text: str) -> Suggestion:
    """The model's own top suggestion, before the low-confidence keyword rule."""
    norm = normalize(text)
    return clf._model_suggestions(norm, clf._index.scores(norm), 1)[0]


def top1_accuracy(clf: CategoryClassifier, cases) -> float:
    hits = 0
    for text, cat in cases:
        top = clf.suggest(text, k=1)
        hits += bool(top) and top[0].category_id == cat
    return hits / len(cases)


@pytest.fixture
def data(sqlite_engine):
    held = build_db(sqlite_engine)
    return sqlite_engine, held


@pytest.fixture
def clf(data) -> CategoryClassifier:
    return train(data[0])


# --------------------------------------------------------------------------- pure helpers


def test_normalize_and_keyword_split():
    assert normalize("  停水 ３天\n") == "停水0天"
    assert normalize(None) == "" and normalize("   ") == ""
    assert split_keywords("停水, 水管，漏水、停水;；") == ("停水", "水管", "漏水")
    assert split_keywords(None) == ()


def test_keyword_confidence_is_a_bounded_increasing_function_of_the_margin():
    assert keyword_confidence(0, 0) == 0.0
    assert keyword_confidence(2, 0) == pytest.approx(0.45)
    assert keyword_confidence(2, 2) < 0.5 * KW_MAX  # a tie is never confident
    values = [keyword_confidence(6, other) for other in (6, 4, 2, 0)]  # growing margin
    assert values == sorted(values) and len(set(values)) == 4
    assert all(0 < v < KW_MAX for v in values)
    assert keyword_confidence(1000, 0) < KW_MAX


# --------------------------------------------------------------------------- the model


def test_held_out_accuracy_and_real_probabilities(data, clf):
    engine, held = data
    with read_session(engine) as s:
        closed = s.scalar(
            select(func.count())
            .select_from(WorkOrder)
            .where(WorkOrder.status.in_(("resolved", "archived")), WorkOrder.category_id != 7)
        )
    assert clf.trained_on == closed > 200  # closed orders of active leaves only
    assert len(held) >= 80
    # measured 0.981 on this data (seed 11; 0.94-0.99 over seeds 1-4): the noise phrases
    # make a few texts genuinely mixed
    assert top1_accuracy(clf, held) >= 0.90
    top3 = sum(cat in [x.category_id for x in clf.suggest(t)] for t, cat in held) / len(held)
    assert top3 >= 0.97
    for text, _ in held[:20]:
        ranked = clf.suggest(text, k=6)
        assert [x.confidence for x in ranked] == sorted((x.confidence for x in ranked), reverse=True)
        assert ranked[0].method == "model" and ranked[0].matched == ()
        assert 0.0 < ranked[0].confidence <= 1.0
        # the model's probabilities over all the categories it knows sum to 1
        assert sum(x.confidence for x in ranked) == pytest.approx(1.0, abs=1e-6)


def test_new_wording_lowers_confidence_and_the_keyword_rule_helps(sqlite_engine):
    """Held-out texts written only with phrases the model never saw: the model is less
    sure (and says so honestly), and the keyword rule rescues part of what it gets wrong."""
    held = build_db(sqlite_engine, unseen_phrases=2)
    clf = train(sqlite_engine)
    tops = [model_top(clf, t) for t, _ in held]
    shown = [clf.suggest(t, k=1)[0] for t, _ in held]
    model_acc = sum(m.category_id == c for m, (_, c) in zip(tops, held, strict=False)) / len(held)
    shown_acc = sum(x.category_id == c for x, (_, c) in zip(shown, held, strict=False)) / len(held)
    # measured (seed 11, 88 texts): model alone 0.602, model + keyword rule 0.636,
    # keywords alone 0.557 (0.98 / 0.98 / 0.84 on familiar wording)
    assert 0.4 <= model_acc <= 0.8
    assert shown_acc >= model_acc
    unsure = [i for i, m in enumerate(tops) if m.confidence < LOW_CONFIDENCE]
    right = lambda picks: sum(picks[i].category_id == held[i][1] for i in unsure)  # noqa: E731
    # measured 9 vs 6 of 14 (seeds 1-4: 7/7, 9/2, 6/3, 12/5)
    assert len(unsure) >= 8 and right(shown) > right(tops)
    assert all(shown[i].method == "keywords" for i in unsure if clf.keyword_scores(held[i][0]))
    # the model's probability is honest: mean confidence close to its accuracy (measured
    # 0.615 vs 0.602 here, 0.956 vs 0.981 on familiar wording)
    mean_conf = sum(m.confidence for m in tops) / len(tops)
    assert mean_conf < 0.8 and abs(mean_conf - model_acc) < 0.15


def test_model_confidence_matches_accuracy_on_familiar_wording(data, clf):
    _, held = data
    top = [clf.suggest(t, k=1)[0] for t, _ in held]
    acc = sum(x.category_id == c for x, (_, c) in zip(top, held, strict=False)) / len(held)
    mean_conf = sum(x.confidence for x in top) / len(top)
    assert abs(mean_conf - acc) < 0.15  # measured 0.956 vs 0.981


def test_confidence_is_higher_on_clear_texts_than_on_ambiguous_ones(clf):
    rng = random.Random(5)
    clear = [rng.choice(PLACES) + "，".join(PHRASES[c][:3]) + "，请尽快处理。" for c in (2, 3, 5, 6, 9, 10)]
    ambiguous = [
        "请尽快处理，谢谢。",
        "蔡庄村村口的事情一直没人管。",
        "停电了，垃圾也没人清运，邻居还跟我吵架。",
        "路边有问题，希望有关部门来看看。",
        "水压低，另外广场舞噪音很大。",
    ]
    conf_clear = [clf.suggest(t)[0].confidence for t in clear]
    conf_amb = [clf.suggest(t)[0].confidence for t in ambiguous]
    assert min(conf_clear) > 0.6  # measured 1.00 each; ambiguous 0.28-0.99, mean 0.55
    assert sum(conf_clear) / len(conf_clear) > sum(conf_amb) / len(conf_amb) + 0.3
    assert max(conf_amb) < min(conf_clear)


def test_suggestion_carries_path_and_platform(clf):
    water = clf.suggest("自来水管破裂停水了，水压也低")[0]
    assert water == Suggestion(2, "水电/供水", "bianmin", water.confidence, "model", ())
    power = clf.suggest("最近老是停电，电线老化打火花")[0]
    assert (power.category_id, power.category_name) == (3, "水电/供电")
    assert power.platform_code == "bianmin"  # inherited from the parent 水电
    assert clf.suggest("邻居经常辱骂我家老人")[0].platform_code == "zongzhi"


def test_platform_falls_back_to_the_one_most_often_responsible(sqlite_engine):
    build_db(sqlite_engine)
    with write_session(sqlite_engine) as s:  # 噪声扰民 and its parent lose their platform
        s.execute(Category.__table__.update().where(Category.id.in_((4, 6))).values(platform_code=None))
    clf = train(sqlite_engine)
    noise = clf.suggest("广场舞音响声音太大")[0]
    assert (noise.category_id, noise.platform_code) == (6, "zhifa")  # from its closed orders
    with read_session(sqlite_engine) as s:
        kw_only = CategoryClassifier.keywords_only(s)  # no orders read: nothing to learn from
    assert kw_only.suggest("广场舞音响声音太大")[0].platform_code is None


def test_keywords_reach_a_category_the_model_could_not_learn(clf):
    # 电信诈骗 has no closed orders, so the model cannot know it; its keywords can
    text = "有骗子冒充客服让老人转账"
    assert 12 not in [
        x.category_id for x in clf._model_suggestions(normalize(text), clf._index.scores(normalize(text)), 10)
    ]
    first, *rest = clf.suggest(text)
    assert (first.category_id, first.method) == (12, "keywords")
    assert first.matched == ("骗子", "冒充", "转账")
    assert first.confidence == pytest.approx(keyword_confidence(6.0, 0.0))  # 0.675
    assert first.confidence > model_top(clf, text).confidence  # measured 0.448
    assert first.platform_code == "zongzhi"
    assert rest and all(x.method == "model" and x.category_id != 12 for x in rest)


def test_without_a_keyword_the_model_ranking_is_shown_as_it_is(clf):
    vague = clf.suggest("请尽快处理，谢谢。")
    assert len(vague) == 3 and all(x.method == "model" for x in vague)
    assert vague[0].confidence < 0.5  # measured 0.338


def test_blank_text_gives_nothing(clf, sqlite_engine):
    for text in ("", "   ", "\n\t", "　", None):
        assert clf.suggest(text) == []
    assert clf.suggest("停水", k=0) == []
    with read_session(sqlite_engine) as s:
        kw = CategoryClassifier.keywords_only(s)
    assert kw.suggest("  ") == []


def test_inactive_categories_are_never_suggested(data, clf):
    engine, held = data
    with read_session(engine) as s:
        kw = CategoryClassifier.keywords_only(s)
    assert INACTIVE.isdisjoint(clf.category_ids) and INACTIVE.isdisjoint(kw.category_ids)
    burning = ["有人在地里焚烧秸秆，浓烟很大", "禁烧期间还在烧秸秆", "旧子类漏水垃圾"]
    for text in burning + [t for t, _ in held]:
        for c in (clf, kw):
            assert INACTIVE.isdisjoint(x.category_id for x in c.suggest(text, k=20))


def test_training_is_deterministic(data, sqlite_template, tmp_path):
    """Same data -> same suggestions, to the last bit: trained twice, and on a second
    database built from the same seed."""
    engine, held = data
    other_path = tmp_path / "same-data.db"
    shutil.copyfile(sqlite_template, other_path)
    other = make_engine(f"sqlite:///{other_path}")
    try:
        assert build_db(other) == held
        c = train(other)
    finally:
        other.dispose()
    a, b = train(engine), train(engine)
    texts = [t for t, _ in held[:40]] + ["有骗子冒充客服让老人转账", "请尽快处理。"]
    expected = [a.suggest(t) for t in texts]
    assert [b.suggest(t) for t in texts] == expected == [c.suggest(t) for t in texts]


def test_training_reads_only(data):
    engine, _ = data
    with read_session(engine) as s:
        before = s.scalar(select(func.count()).select_from(WorkOrder))
        CategoryClassifier.train(s)
        assert not s.new and not s.dirty and not s.deleted
    with read_session(engine) as s:
        assert s.scalar(select(func.count()).select_from(WorkOrder)) == before


def test_max_orders_and_now_limit_the_training_set(data):
    engine, _ = data
    assert train(engine, max_orders=250).trained_on == 250
    # orders are 3 hours apart: up to T0 + 300 h only the first ~100 exist -> too few
    early = train(engine, now=T0 + timedelta(hours=300))
    assert early.trained_on == 0 and early.method == "keywords"
    # an aware `now` is converted to naive UTC
    later = train(engine, now=(T0 + timedelta(hours=1200)).replace(tzinfo=UTC), min_orders=50)
    assert 0 < later.trained_on < train(engine).trained_on


# --------------------------------------------------------------------------- fallback


def test_keywords_only_when_too_few_orders(data):
    engine, held = data
    clf = train(engine, min_orders=10_000)
    assert clf.trained_on == 0 and clf.method == "keywords"
    s = clf.suggest("自来水管漏水，停水三天了")
    assert s[0].category_id == 2 and s[0].method == "keywords"
    assert s[0].matched == ("自来水", "漏水", "停水")  # in order of appearance
    assert 0 < s[0].confidence < KW_MAX
    # the keyword rules alone, on the same held-out texts: measured 0.837 (seed 11; 0.73-0.85
    # over seeds 1-4), against 0.981 for the model
    assert top1_accuracy(clf, held) >= 0.70


def test_keywords_only_on_an_empty_database(sqlite_engine):
    clf = train(sqlite_engine)  # no categories, no orders
    assert clf.trained_on == 0 and clf.suggest("自来水管漏水") == []
    with write_session(sqlite_engine) as s:
        s.execute(
            insert(Category),
            [
                dict(id=i, parent_id=p, code=f"C{i:02d}", name=n, platform_code=pc, keywords=kw, active=a)
                for i, p, n, pc, kw, a in TREE
            ],
        )
    clf = train(sqlite_engine)
    assert clf.trained_on == 0 and clf.method == "keywords"
    top = clf.suggest("自来水管漏水，停水三天了")[0]
    assert (top.category_id, top.category_name, top.platform_code) == (2, "水电/供水", "bianmin")
    # longer keywords weigh more; a keyword inside a longer matched one adds nothing
    scores = clf.keyword_scores("停水")
    assert scores[2] == (2.0, ("停水",))  # own 停水 (weight 1); 水 lies inside it
    assert scores[3] == (1.0, ("停水",))  # 停水 is only an ancestor keyword of 供电 (0.5)
    # a tie gives a low confidence, a clear margin a higher one
    tie = clf.suggest("邻居吵架")[0]
    clear = clf.suggest("宅基地界桩被挪，院墙越过地界")[0]
    assert tie.confidence < clear.confidence and clear.category_id == 10
    assert clf.suggest("今天天气不错") == []  # nothing matched: no suggestion


def test_fewer_than_two_learnable_categories_fall_back(sqlite_engine):
    build_db(sqlite_engine, n_orders=400, holdout=0.0)
    with write_session(sqlite_engine) as s:  # close only the 供水 orders
        s.execute(WorkOrder.__table__.update().where(WorkOrder.category_id != 2).values(status="cancelled"))
    clf = train(sqlite_engine, min_orders=10)
    assert clf.trained_on == 0 and clf.method == "keywords"


# --------------------------------------------------------------------------- speed


def test_suggest_reads_nothing_from_the_database(clf, data):
    """A suggestion is made while the caller speaks, on every keystroke's rerun: from the trained
    model in memory, never a query. (Its speed is measured, not asserted: bench/desk.py reports
    the desk's waits; a wall-clock bound here failed on a loaded machine.)"""
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(data[0], "before_cursor_execute", count)
    try:
        answers = [
            clf.suggest(t)
            for t in ["自来水管破裂停水了", "广场舞音响声音太大", "有骗子冒充客服让老人转账", "请尽快处理"]
        ]
    finally:
        event.remove(data[0], "before_cursor_execute", count)
    assert statements == []
    assert all(answers[:3]), answers


# --------------------------------------------------------------------------- backends


def test_same_suggestions_on_every_backend(engine, sqlite_template, tmp_path):
    """The training query reads the same rows on SQLite and PostgreSQL, so the model and
    its suggestions are the same."""
    held = build_db(engine)
    reference_path = tmp_path / "reference.db"
    shutil.copyfile(sqlite_template, reference_path)
    reference = make_engine(f"sqlite:///{reference_path}")
    try:
        assert build_db(reference) == held
        a, b = train(engine), train(reference)
    finally:
        reference.dispose()
    assert a.trained_on == b.trained_on > 0
    texts = [t for t, _ in held[:30]] + ["有骗子冒充客服让老人转账"]
    for t in texts:
        sa, sb = a.suggest(t), b.suggest(t)
        assert [(x.category_id, x.method, x.matched) for x in sa] == [(x.category_id, x.method, x.matched) for x in sb]
        assert [x.confidence for x in sa] == pytest.approx([x.confidence for x in sb], abs=1e-6)
