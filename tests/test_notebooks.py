"""Notebook hygiene: committed without outputs, one parameters cell, kernel python3, thin."""

import json

import pytest

from scoring.paths import NOTEBOOKS_DIR

NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))


def test_there_are_notebooks():
    assert any(p.name == "calibration_report.ipynb" for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_hygiene(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    for c in code:
        assert not c.get("outputs"), f"{path.name}: outputs committed"
        assert c.get("execution_count") is None, f"{path.name}: execution count committed"
    params = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(params) == 1, f"{path.name}: needs exactly one cell tagged 'parameters'"
    # the parameters cell holds literals only
    for line in "".join(params[0]["source"]).splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            assert name.strip().isidentifier(), line
            compile(value.strip(), path.name, "eval")
    # thin: logic lives in the package
    for c in code:
        src = "".join(c["source"])
        assert "def " not in src and "class " not in src, f"{path.name}: function definitions in a notebook"
        assert not any(ln.lstrip().startswith(("%", "!")) for ln in src.splitlines()), "magics in a notebook"
        # no formatting or escaping by hand: tables, prose and figures go through scoring.presentation.render
        for hand_made in ("IPython.display", "HTML(", "Markdown(", ".style", "escape(", "to_html(", "plt.show",
                          "display_html"):
            assert hand_made not in src, f"{path.name}: {hand_made!r}: show results through scoring.presentation"
