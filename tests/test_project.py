"""Project hygiene: one list of dependencies, the README's commands, the licence boundary."""

import ast
import re
import tomllib

from scoring.paths import PROJECT_ROOT


def _pyproject():
    with open(PROJECT_ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)


def test_environment_yml_installs_the_project_through_pip():
    """environment.yml lists no packages of its own: it installs pyproject.toml's through pip."""
    text = (PROJECT_ROOT / "environment.yml").read_text(encoding="utf-8")
    lines = [ln.split("#")[0].strip() for ln in text.splitlines()]
    deps = [ln[2:].strip() for ln in lines if ln.startswith("- ")]
    assert "-e .[dev]" in deps
    allowed = {"python=3.11", "pip", "pip:", "-e .[dev]", "conda-forge"}
    assert set(deps) <= allowed, f"environment.yml lists its own packages: {set(deps) - allowed}"
    python = re.search(r"python=(\d+\.\d+)", text).group(1)
    assert _pyproject()["project"]["requires-python"] == f">={python}"


def test_design_card_packages_are_dependencies():
    p = _pyproject()["project"]
    names = {re.split(r"[<>=\[ ]", d)[0].lower() for d in p["dependencies"] + p["optional-dependencies"]["dev"]}
    assert {"jupyterlab", "pandas", "numpy", "scipy", "matplotlib", "nbval", "papermill", "ipykernel"} <= names


def test_gpl_packages_are_never_imported_by_the_package():
    gpl = {"pingouin", "krippendorff"}
    for path in (PROJECT_ROOT / "scoring").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:  # absolute imports only
                mods = [node.module or ""]
            else:
                continue
            assert not {m.split(".")[0] for m in mods} & gpl, f"{path} imports a GPL package"
    runtime = {re.split(r"[<>=\[ ]", d)[0].lower() for d in _pyproject()["project"]["dependencies"]}
    assert not runtime & gpl


def test_readme_opens_with_the_two_commands_and_they_exist():
    head = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:20]
    assert any("make report" in ln for ln in head) and any("make test" in ln for ln in head)
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^report:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert "make test" in (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_licence_is_mit():
    assert (PROJECT_ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    assert _pyproject()["project"]["license"]["text"] == "MIT"


def test_on_both_cores_the_tests_of_one_file_run_on_one_worker():
    """``make test`` runs pytest on two workers; a file's tests must stay on one (its module's
    report run is made once, a notebook's cells run in order): xdist's own grouping once stopped
    working unnoticed when pytest changed (``tests/conftest.py``)."""
    import subprocess
    import sys

    files = ["tests/test_rubric.py", "tests/test_names.py"]
    # without the plugins these files do not use (nbval alone takes 1.5 s to import, in each process)
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:nbval", "-p", "no:anyio",
                          "-n", "2", "-v", *files],
                         cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-2000:]
    workers: dict[str, set[str]] = {}
    for worker, path in re.findall(r"^\[(gw\d+)\].*? (tests/\S+?\.py)::", run.stdout, re.M):
        workers.setdefault(path, set()).add(worker)
    assert set(workers) == set(files) and all(len(w) == 1 for w in workers.values()), workers


def test_the_test_processes_import_jsonschema_without_the_iri_grammar():
    """tests/jsonschema_first.py runs before nbval's plugin (``-p`` in pyproject.toml's addopts) in every
    pytest process: in the one running this test, jsonschema is there and rfc3987_syntax's grammar is not."""
    import sys

    assert "jsonschema" in sys.modules and "rfc3987_syntax" not in sys.modules
