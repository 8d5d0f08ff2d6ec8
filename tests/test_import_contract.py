"""The shape of db/: dependencies point one way, rules <- queries <- services, with no circle
and no module reaching into another's private names (docs/architecture.md, "Layout").

Read from the source with ``ast`` (every import, at module level or inside a function):

- db/rules may import the standard library, pure packages, db.errors, db.clock, db.models (for
  their constants) and other rules; never queries, services, the engine, the demo or streamlit;
- db/queries never import db/services or db/demo;
- no module of db/ imports streamlit;
- no ``from db.x import _name`` of another module's private name;
- the graph of imports between db modules has no cycle;
- an import inside a function says why it is there: a ``# deferred:`` comment on its line or on
  the line directly above (one comment serves a run of import lines with no blank line between).
  An import is deferred only where that buys start-up time (a heavy package such as openpyxl,
  python-docx or scikit-learn, a command's own modules in db/cli.py); anything else is imported
  at the top of the module. Deferring never hides a cycle: the cycle check reads imports inside
  functions too.

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


DEFERRED = "# deferred:"


def undeclared_deferred_imports(source: str) -> list[int]:
    """Line numbers of the imports inside a function (at any depth, in any block) that carry no
    ``# deferred:`` comment on their line or the line directly above, nor follow, on the very
    next line, a function-level import that does (a run of imports shares one comment)."""
    lines = source.splitlines()

    def commented(lineno: int) -> bool:
        above = lines[lineno - 2].strip() if lineno >= 2 else ""
        return DEFERRED in lines[lineno - 1] or above.startswith(DEFERRED)

    bad: list[int] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        inside = in_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        for _, value in ast.iter_fields(node):
            children = value if isinstance(value, list) else [value]
            previous: ast.AST | None = None
            previous_ok = False
            for child in children:
                if not isinstance(child, ast.AST):
                    continue
                if inside and isinstance(child, (ast.Import, ast.ImportFrom)):
                    in_run = isinstance(previous, (ast.Import, ast.ImportFrom)) and (
                        previous.end_lineno == child.lineno - 1
                    )
                    ok = commented(child.lineno) or (in_run and previous_ok)
                    if not ok:
                        bad.append(child.lineno)
                    previous_ok = ok
                previous = child
                visit(child, inside)

    visit(ast.parse(source), False)
    return sorted(bad)


def test_every_function_level_import_says_why_it_is_deferred(sources):
    """In db/ and in the UI's components/ alike (pages are scripts: a page imports what its role's
    view needs where it needs it)."""
    files = {db_modules()[m]: src for m, src in sources.items()}
    files |= {p: p.read_text(encoding="utf-8") for p in (ROOT / "components").rglob("*.py")}
    bad = [
        f"{path.relative_to(ROOT)}:{line}"
        for path, src in sorted(files.items())
        for line in undeclared_deferred_imports(src)
    ]
    assert bad == [], "an import inside a function without a '# deferred: <why>' comment (or move it to the top)"


def test_the_deferral_checker_finds_an_undeclared_import():
    made_up = (
        "import os\n"  # 1: module level, nothing to say
        "def export():\n"
        "    # deferred: openpyxl costs ~0.15 s at start-up; only the export needs it\n"
        "    import openpyxl\n"  # 4: declared above
        "    from openpyxl.styles import Font\n"  # 5: the same run
        "\n"
        "    from db import audit_labels\n"  # 7: a new run (blank line above), undeclared
        "    import json  # deferred: said on its own line\n"  # 8
        "    if os.name:\n"
        "        import csv\n"  # 10: in a nested block, undeclared
        "class Report:\n"
        "    import re\n"  # 12: a class body is not a function
        "    def build(self):\n"
        "        async def inner():\n"
        "            import zlib\n"  # 15: undeclared
        "            import gzip\n"  # 16: follows an undeclared one
        "        return inner\n"
    )
    assert undeclared_deferred_imports(made_up) == [7, 10, 15, 16]
