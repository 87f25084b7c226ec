"""The house: no import circle in the package, a runner that knows no kind, modules of a readable size.

Read from the source with ``ast`` (every import, also inside functions, is an edge), so the
checks hold for imports made lazily too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import scoring
from scoring.kinds import REPORT_KINDS

PACKAGE = Path(scoring.__file__).resolve().parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that ``name`` imports (``from . import x`` counts x when x is a module)."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            targets = [module] + [f"{module}.{a.name}" for a in node.names]
        else:
            continue
        for t in targets:
            while t and t not in known:  # scoring.data.load_year -> scoring.data
                t = t.rpartition(".")[0]
            if t and t != name:
                found.add(t)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
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
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_relative_imports_are_resolved():
    graph = _graph()
    assert "scoring.kinds" in graph["scoring.reports.runner"]
    assert "scoring.reports.kind" in graph["scoring.kinds.jury"]


def test_no_import_circle_in_the_package():
    assert _cycles(_graph()) == []


def test_the_report_machinery_names_no_kind():
    """No string in scoring/reports/ is a kind's name, and no unit (``per``) is compared with a
    string there: what differs between kinds is declared by each kind
    (scoring/kinds/<kind>/__init__.py) and read from there."""
    found = []
    for path in (PACKAGE / "reports").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in REPORT_KINDS:
                found.append(f"{path.name}:{node.lineno}: {node.value!r}")
            if isinstance(node, ast.Compare):
                sides = [node.left, *node.comparators]
                if any(isinstance(x, ast.Attribute) and x.attr == "per" for x in sides) and any(
                        isinstance(x, ast.Constant) and isinstance(x.value, str) for x in sides):
                    found.append(f"{path.name}:{node.lineno}: compares a unit with a string")
    assert found == []


def test_every_kind_package_is_registered():
    packages = {p.parent.name for p in (PACKAGE / "kinds").glob("*/__init__.py")}
    declared = set()
    for package in packages:
        module = __import__(f"scoring.kinds.{package}", fromlist=["KINDS"])
        declared |= {k.name for k in module.KINDS}
    assert declared == set(REPORT_KINDS)


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_size(path):
    """No module over 1,000 lines; the runner and each data module under 600."""
    lines = len(path.read_text(encoding="utf-8").splitlines())
    rel = path.relative_to(PACKAGE).as_posix()
    limit = 600 if rel == "reports/runner.py" or rel.startswith("data/") else 1000
    assert lines < limit, f"{rel}: {lines} lines"


def test_the_tests_mirror_the_package():
    """A test folder stands for a folder of scoring/ (tests/kinds/jury/ for scoring/kinds/jury/);
    tests/browser/ opens every kind's pages in a browser."""
    tests = Path(__file__).resolve().parent
    folders = {p.parent.relative_to(tests) for p in tests.rglob("test_*.py") if p.parent != tests}
    assert folders and all((PACKAGE / f).is_dir() for f in folders if f.parts[0] != "browser"), folders
