"""The tests need nothing outside the repository.

Three layers: a static scan of the code for paths that leave the repository; the runtime
read guard (``read_guard.py``, installed by ``conftest.py``), shown here to catch a test that
reads a file placed beside a throw-away repository; and the reference folder itself, whose
every file and case is documented and used. ``.ci/run`` adds the end-to-end proof: ``make test``
in a fresh clone with nothing beside it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from read_guard import ReadGuard

from scoring.paths import PROJECT_ROOT

TESTS = Path(__file__).resolve().parent
REFERENCE = TESTS / "reference"
sys.path.insert(0, str(TESTS / "agreement"))  # the agreement tests' case tables, by the name pytest gives them
import test_chance  # noqa: E402
import test_icc  # noqa: E402
import test_krippendorff  # noqa: E402

SCANNED = ("scoring", "tests", "notebooks", "benchmarks")
# built by concatenation so that this file does not match itself
OUTSIDE_PATTERNS = {
    "the repository's parent": re.compile(r"ROOT" + r"\.parent\b"),
    "the parent-folder constant": re.compile(r"\bos\." + r"pardir\b"),
    "a parent-folder path component": re.compile(r"(?<![\w.])\.\." + r"(?=[/\\\"']|$)", re.MULTILINE),
    "the shared folder of the machine": re.compile(r"/work" + r"/"),
    "the old shared reference folder": re.compile(r"reference" + r"-data"),
}


# --------------------------------------------------------------------------------------
# static scan
# --------------------------------------------------------------------------------------
def _scanned_files():
    for top in SCANNED:
        for path in sorted((PROJECT_ROOT / top).rglob("*")):
            if path.suffix in (".py", ".ipynb") and ".ipynb_checkpoints" not in path.parts:
                yield path


def test_scan_covers_the_code():
    names = {p.relative_to(PROJECT_ROOT).as_posix() for p in _scanned_files()}
    assert {"tests/conftest.py", "scoring/paths.py", "benchmarks/agreement.py"} <= names
    assert any(n.startswith("notebooks/") and n.endswith(".ipynb") for n in names)


def test_no_code_points_outside_the_repository():
    found = []
    for path in _scanned_files():
        text = path.read_text(encoding="utf-8")
        for what, pattern in OUTSIDE_PATTERNS.items():
            for m in pattern.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                found.append(f"{path.relative_to(PROJECT_ROOT)}:{line}: {what}")
    assert not found, "paths leaving the repository:\n" + "\n".join(found)


UP = "." * 2  # spelled so that the scan does not flag this file


@pytest.mark.parametrize("text, hits", [
    ("REFERENCE = PROJECT_ROOT" + ".parent / 'shared'", {"the repository's parent"}),
    (f'open("{UP}/data.csv")', {"a parent-folder path component"}),
    (f"Path('data') / '{UP}' / 'x'", {"a parent-folder path component"}),
    (f'"""data in {UP}/shared/reference' + '-data"""',
     {"a parent-folder path component", "the old shared reference folder"}),
    ("os.path.join(here, os." + "pardir)", {"the parent-folder constant"}),
    ('load("/wo' + 'rk/shared/x.csv")', {"the shared folder of the machine"}),
    ('"0, 10, ..., 100"; x = "..."; s[1:-1]; tests/reference/cases.json', set()),
])
def test_scan_patterns(text, hits):
    assert {what for what, p in OUTSIDE_PATTERNS.items() if p.search(text)} == hits


# --------------------------------------------------------------------------------------
# the runtime guard
# --------------------------------------------------------------------------------------
def test_guard_judges_paths_and_modes(tmp_path, monkeypatch):
    repo, allowed = tmp_path / "repo", tmp_path / "cache"
    (repo / "sub").mkdir(parents=True)
    allowed.mkdir()
    beside = tmp_path / "beside.csv"
    beside.write_text("x\n")
    (repo / "link.csv").symlink_to(beside)
    guard = ReadGuard(repo, [allowed])
    assert not guard.is_outside(repo / "sub" / "x.csv")
    assert not guard.is_outside(allowed / "y.json")
    assert guard.is_outside(beside)
    assert guard.is_outside(repo / "sub" / UP / UP / "beside.csv")
    assert guard.is_outside(repo / "link.csv")  # a symlink that leaves the repository
    assert guard.is_outside(tmp_path / "repo-2" / "x.csv")  # a name that merely starts like it
    monkeypatch.chdir(repo / "sub")
    assert guard.is_outside(f"{UP}/{UP}/beside.csv") and not guard.is_outside("x.csv")

    guard.audit("open", (str(beside), "w", 0))  # writing is output: fine
    guard.audit("open", (os.fsencode(beside), None, os.O_WRONLY | os.O_CREAT))
    guard.audit("open", (3, "r", 0))  # an open file descriptor: not a path
    guard.audit("open", (str(repo / "sub" / "x.csv"), "rb", 0))
    assert guard.reads == []
    guard.audit("open", (beside, "r", 0))
    guard.audit("open", (str(beside), "a+", 0))
    guard.audit("open", (str(beside), None, os.O_RDONLY))
    guard.audit("os.listdir", (str(tmp_path),))
    guard.audit("os.scandir", (tmp_path,))
    assert [r.path for r in guard.reads] == [str(beside)] * 3 + [str(tmp_path)] * 2
    assert all(r.nodeid is None for r in guard.reads)


THROWAWAY_CONFTEST = '''
from pathlib import Path

from read_guard import ReadGuard


def pytest_configure(config):
    ReadGuard.install(config, Path(__file__).resolve().parent)
'''

THROWAWAY_TESTS = '''
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
BESIDE = HERE.parent / "beside.csv"
INSIDE = (HERE / "inside.csv").read_text()  # inside the repository, at collection: fine


def test_inside_and_temporary_output(tmp_path):
    assert (HERE / "inside.csv").read_text() == INSIDE
    (tmp_path / "out.csv").write_text(INSIDE)
    assert (tmp_path / "out.csv").read_text() == INSIDE


def test_reads_beside():
    assert BESIDE.read_text()


@pytest.fixture
def listing_beside():
    return sorted(p.name for p in HERE.parent.iterdir())


def test_fixture_lists_beside(listing_beside):
    assert "beside.csv" in listing_beside
'''

THROWAWAY_COLLECTION = '''
from pathlib import Path

DATA = (Path(__file__).resolve().parent.parent / "beside.csv").read_text()  # at collection


def test_uses_data():
    assert DATA
'''


def _throwaway_run(tmp_path: Path, files: dict) -> subprocess.CompletedProcess:
    """pytest in a throw-away repository ``tmp_path/repo`` guarded by a copy of read_guard.py,
    with ``tmp_path/beside.csv`` beside it and the temporary folder elsewhere."""
    repo, scratch = tmp_path / "repo", tmp_path / "scratch"
    repo.mkdir()
    scratch.mkdir()
    (tmp_path / "beside.csv").write_text("a\n1\n")
    (repo / "inside.csv").write_text("a\n2\n")
    (repo / "pytest.ini").write_text("[pytest]\n")
    (repo / "conftest.py").write_text(THROWAWAY_CONFTEST)
    shutil.copy(TESTS / "read_guard.py", repo / "read_guard.py")
    for name, text in files.items():
        (repo / name).write_text(text)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["TMPDIR"] = str(scratch)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:nbval", "-rfE"],
        cwd=repo, env=env, capture_output=True, text=True, timeout=120,
    )


def test_guard_fails_the_tests_that_read_beside_the_repository(tmp_path):
    run = _throwaway_run(tmp_path, {"test_reads.py": THROWAWAY_TESTS})
    out = run.stdout + run.stderr
    beside = str((tmp_path / "beside.csv").resolve())
    assert run.returncode == 1, out
    assert re.search(r"\b1 failed, 1 passed, 1 error\b", out), out
    assert "FAILED test_reads.py::test_reads_beside" in out
    assert "ERROR test_reads.py::test_fixture_lists_beside" in out  # read during setup
    assert "test_inside_and_temporary_output" not in out.split("short test summary")[-1]
    assert f"{beside}  <- test_reads.py::test_reads_beside" in out
    assert f"{str(tmp_path.resolve())}  <- test_reads.py::test_fixture_lists_beside" in out
    assert "path(s) outside the repository" in out


def test_guard_fails_the_session_for_a_read_outside_any_test(tmp_path):
    run = _throwaway_run(tmp_path, {"test_collection.py": THROWAWAY_COLLECTION})
    out = run.stdout + run.stderr
    assert run.returncode == 1, out
    assert re.search(r"\b1 passed\b", out) and "failed" not in out, out
    beside = str((tmp_path / "beside.csv").resolve())
    assert f"{beside}  <- outside any test (collection or a conftest)" in out


def test_guard_is_installed_here(request):
    guard = request.config.pluginmanager.get_plugin("read_guard")
    assert isinstance(guard, ReadGuard) and ReadGuard._active is guard
    assert guard.root == os.path.join(os.path.realpath(PROJECT_ROOT), "")
    assert guard.where == (request.node.nodeid, "call")


# --------------------------------------------------------------------------------------
# the reference folder
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def reference():
    readme = (REFERENCE / "README.md").read_text(encoding="utf-8")
    with open(REFERENCE / "cases.json", encoding="utf-8") as f:
        cases = json.load(f)["cases"]
    files = sorted(p.name for p in REFERENCE.iterdir()
                   if p.is_file() and p.name not in ("README.md", "cases.json"))
    return readme, cases, files


def test_every_reference_folder_is_documented():
    """Folders of reference values from other tools (lme4/) each have a section naming their origin."""
    readme = (REFERENCE / "README.md").read_text(encoding="utf-8")
    folders = [p.name for p in REFERENCE.iterdir() if p.is_dir() and not p.name.startswith((".", "__"))]
    assert folders
    for name in folders:
        assert f"## `{name}/`" in readme, f"{name}/: no section in tests/reference/README.md"


def test_every_reference_file_is_documented_and_used(reference):
    readme, cases, files = reference
    assert files and all(name.endswith(".csv") for name in files), files
    test_sources = "\n".join(p.read_text(encoding="utf-8") for p in TESTS.rglob("test_*.py")
                             if p.name != Path(__file__).name)
    datasets = {c["dataset"] for c in cases}
    for name in files:
        assert f"## `{name}`" in readme and f"| `{name}` |" in readme, f"{name}: no section or origin in README"
        assert name in datasets or name in test_sources, f"{name} is used by no test"
    assert datasets <= set(files)


def test_every_case_has_a_source_and_is_documented(reference):
    readme, cases, _ = reference
    ids = [c["id"] for c in cases]
    assert len(ids) == len(set(ids))
    for c in cases:
        assert {"id", "dataset", "statistic", "params", "expected", "tol", "source", "source_kind"} <= set(c), c["id"]
        assert c["source"].strip() and c["tol"] > 0, c["id"]
        assert c["source_kind"] in ("published", "canonical-R", "consensus", "derived"), c["id"]
        assert f"| `{c['id']}` |" in readme, f"{c['id']} not in the README"


def test_every_case_is_checked_by_a_test(reference):
    """Exactly the cases the agreement tests check are in cases.json (nothing unused)."""
    _, cases, _ = reference
    checked = (
        set(test_chance.CHANCE_CASES) | set(test_krippendorff.KRIPP_CASES)
        | set(test_icc.ANXIETY + test_icc.WINE + test_icc.IRRICC_CASES)
        | {case_id for case_id, _ in test_icc.A1_CASES + test_icc.BRENNAN}
    )
    assert {c["id"] for c in cases} == checked
