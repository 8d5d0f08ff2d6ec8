"""The shape of db/: dependencies point one way, rules <- queries <- services, with no circle
and no module reaching into another's private names (docs/architecture.md, "Layout").

Read from the source with ``ast`` (every import, at module level or inside a function):

- db/rules may import the standard library, pure packages, db.errors, db.clock, db.models (for
  their constants) and other rules; never queries, services, the engine, the demo or streamlit;
- db/queries never import db/services or db/demo;
- no module of db/ imports streamlit;
- no ``from db.x import _name`` of another module's private name;
- the graph of imports between db modules has no cycle.

Each rule is also run on a small made-up module, so a checker that found nothing because it
was broken would fail here too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def module_name(path: Path) -> str:
    name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    return name[: -len(".__init__")] if name.endswith(".__init__") else name


def db_modules() -> dict[str, Path]:
    return {module_name(p): p for p in (ROOT / "db").rglob("*.py") if "migrations" not in p.parts}


def imports_of(source: str, known: set[str]) -> list[tuple[str, str]]:
    """(imported module, imported name or '') for every import in ``source``."""
    out: list[tuple[str, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                out.append((full, "") if full in known else (node.module, alias.name))
        elif isinstance(node, ast.Import):
            out += [(alias.name, "") for alias in node.names]
    return out


FORBIDDEN = {
    "db.rules": ("db.queries", "db.services", "db.engine", "db.demo", "streamlit", "components"),
    "db.queries": ("db.services", "db.demo", "streamlit", "components"),
    "db": ("streamlit", "components", "pages"),
}


def layer_violations(module: str, imports: list[tuple[str, str]]) -> list[str]:
    bad = []
    for layer, forbidden in FORBIDDEN.items():
        if module == layer or module.startswith(layer + "."):
            bad += [
                f"{module} imports {target}"
                for target, _ in imports
                if any(target == f or target.startswith(f + ".") for f in forbidden)
            ]
    return list(dict.fromkeys(bad))


def private_violations(module: str, imports: list[tuple[str, str]]) -> list[str]:
    return [
        f"{module} imports the private name {target}.{name}"
        for target, name in imports
        if target.startswith("db") and name.startswith("_") and not name.startswith("__") and target != module
    ]


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def graph_of(sources: dict[str, str]) -> dict[str, set[str]]:
    known = set(sources)
    graph: dict[str, set[str]] = {}
    for module, source in sources.items():
        targets = {t for t, _ in imports_of(source, known)}
        # "from db.services import audit" names the module db.services.audit
        graph[module] = {t for t in targets if t in known and t != module}
    return graph


@pytest.fixture(scope="module")
def sources() -> dict[str, str]:
    return {m: p.read_text(encoding="utf-8") for m, p in db_modules().items()}


def test_layers_point_one_way(sources):
    known = set(sources)
    bad = [v for m, src in sources.items() for v in layer_violations(m, imports_of(src, known))]
    assert bad == []


def test_no_module_reaches_into_another_modules_private_names(sources):
    known = set(sources)
    bad = [v for m, src in sources.items() for v in private_violations(m, imports_of(src, known))]
    assert bad == []


def test_no_import_cycle(sources):
    assert cycles(graph_of(sources)) == []


def test_the_checkers_find_what_they_look_for():
    known = {"db.queries.a", "db.services.b", "db.rules.c"}
    made_up = {
        "db.queries.a": "def f():\n    from db.services.b import _helper\n",
        "db.services.b": "from db.queries import a\n",
        "db.rules.c": "import streamlit as st\nfrom db.engine import write_session\n",
    }
    imports = {m: imports_of(src, known) for m, src in made_up.items()}
    assert layer_violations("db.queries.a", imports["db.queries.a"]) == ["db.queries.a imports db.services.b"]
    assert layer_violations("db.rules.c", imports["db.rules.c"]) == [
        "db.rules.c imports streamlit",
        "db.rules.c imports db.engine",
    ]
    assert private_violations("db.queries.a", imports["db.queries.a"]) == [
        "db.queries.a imports the private name db.services.b._helper"
    ]
    assert cycles(graph_of(made_up)) == [["db.queries.a", "db.services.b"]]


def masking_violations(module: str, imports: list[tuple[str, str]]) -> list[str]:
    """Pages and components never mask or scrub (issue #17): rows reach them presented for the
    reader's role by the read layer (db/queries/privacy.py)."""
    return [
        f"{module} imports {target}{'.' + name if name else ''}"
        for target, name in imports
        if target == "db.rules.masking" or target.startswith("db.rules.masking.")
    ]


def test_pages_and_components_never_mask():
    known = set(db_modules())
    bad = []
    for folder in ("components", "pages"):
        for path in (ROOT / folder).rglob("*.py"):
            bad += masking_violations(module_name(path), imports_of(path.read_text(encoding="utf-8"), known))
    assert not bad, bad
    # the checker itself finds an import of the maskers
    assert masking_violations("components.x", imports_of("from db.rules.masking import mask_for\n", known))
