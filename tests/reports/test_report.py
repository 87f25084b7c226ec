"""Report runner: Papermill runs, HTML pages, atomic replacement, the index.

The unit tests execute a tiny stand-in notebook (written into a temporary folder)
so they do not depend on the real report notebooks; one module-scoped run is
shared by most tests to keep the kernel starts few. The real calibration notebook
is run once in the ``slow`` test at the end.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from earlier_report import earlier_report
from html_page import Page

from scoring import reports
from scoring.paths import DATA_DIR, NOTEBOOKS_DIR
from scoring.reports import CSP, Failure, manifest, parse_years, run_reports, stop_kernels, write_index

FAIL_YEAR = 1999  # the stand-in notebook raises for this year
CODE_MARKER = "hidden_code_marker_7f3a"  # appears only in code cell sources
FIGURE = re.compile(r'<img\b[^>]*\bsrc="data:image/png;base64,')


def _standin_notebook(path: Path, figure: str | None = None) -> Path:
    """A thin report notebook: parameters cell, a print, a figure, a failure for FAIL_YEAR.

    ``figure`` replaces the cell that shows the figure (through scoring.presentation.render by default).
    """
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    params = nbformat.v4.new_code_cell('year = 2024\ndata_dir = ""\nclass_id = ""')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Testrapport"),
        params,
        nbformat.v4.new_code_cell(
            f"{CODE_MARKER} = year\n"
            f"if year == {FAIL_YEAR}:\n"
            "    raise ValueError(f'inga poäng för {year}')"
        ),
        nbformat.v4.new_code_cell(
            f"print(f'Rapport för år {{{CODE_MARKER}}}', class_id)\n"
            "import os, sys\n"
            "print('data_dir absolute:', os.path.isabs(data_dir))\n"
            "print('cwd:', os.getcwd())\n"
            "print('a warning nobody should read', file=sys.stderr)"
        ),
        nbformat.v4.new_code_cell(
            figure or
            "from matplotlib.figure import Figure\n"
            "from scoring.presentation import render\n"
            "fig = Figure(figsize=(2, 1.5))\n"
            "ax = fig.add_subplot()\n"
            "ax.plot([1, 2, 3], [3, 1, 2])\n"
            "ax.set_title(str(year))\n"
            "render.Figure(fig, alt=f'Linjediagram för {year}: 3, 1, 2')"
        ),
    ]
    nbformat.write(nb, path)
    return path


class _ListHandler(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("reports")
    notebooks = root / "notebooks"
    notebooks.mkdir()
    _standin_notebook(notebooks / "calibration_report.ipynb")
    data = root / "data"
    for year in (FAIL_YEAR, 2020, 2021):
        (data / str(year)).mkdir(parents=True)
    out = root / "out"
    return {"root": root, "notebooks": notebooks, "data": data, "out": out}


@pytest.fixture(scope="module")
def run(workspace):
    """One shared run over three years, one of which fails; a good old report for it."""
    out = workspace["out"]
    good = out / str(FAIL_YEAR)
    earlier_report(out, f"{FAIL_YEAR}/calibration.html", "<html>previous good report</html>")
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in good.iterdir()}

    handler = _ListHandler()
    log = logging.getLogger("scoring.report")
    old_level = log.level
    log.setLevel(logging.INFO)
    log.addHandler(handler)
    cwd = os.getcwd()
    try:
        result = run_reports(
            [FAIL_YEAR, 2020, 2021],
            data_dir=workspace["data"],
            out_dir=out,
            notebooks_dir=workspace["notebooks"],
            progress=False,
            timeout=120,
            workers=2,  # two worker threads, each with its own warm kernel
        )
    finally:
        log.removeHandler(handler)
        log.setLevel(old_level)
    return {"result": result, "before": before, "log": handler.messages,
            "cwd": (cwd, os.getcwd()), **workspace}


def test_html_and_ipynb_produced(run):
    out = run["out"]
    for year in (2020, 2021):
        html, ipynb = out / str(year) / "calibration.html", out / str(year) / "calibration.ipynb"
        assert html.is_file() and ipynb.is_file()
        assert html in run["result"].produced and ipynb in run["result"].notebooks
        assert run["result"].files.index(ipynb) == run["result"].files.index(html) + 1
    assert sorted(run["result"].durations) == sorted(run["result"].reports)


def test_html_shows_year_hides_code_embeds_figure(run):
    page = (run["out"] / "2021" / "calibration.html").read_text(encoding="utf-8")
    assert "Rapport för år 2021" in page
    assert len(FIGURE.findall(page)) == 1
    assert 'alt="Linjediagram för 2021: 3, 1, 2"' in page
    assert CODE_MARKER not in page  # no code cell source, only outputs
    assert "add_subplot" not in page
    assert "a warning nobody should read" not in page  # stderr kept out of the HTML
    assert "data_dir absolute: True" in page
    assert "<title>Testrapport, 2021</title>" in page  # the notebook's first heading and the year
    assert page.startswith('<!DOCTYPE html>\n<html lang="sv">')
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in page
    assert "<script" not in page and "http://" not in page and "https://" not in page


def test_executed_notebook_carries_parameters(run):
    nb = nbformat.read(run["out"] / "2021" / "calibration.ipynb", as_version=4)
    params = nb.metadata["papermill"]["parameters"]
    assert params == {"year": 2021, "data_dir": str(run["data"].resolve())}
    text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert f"cwd: {run['notebooks'].resolve()}" in text  # notebooks run in their own folder
    assert "a warning nobody should read" in text  # the .ipynb keeps everything


def test_parallel_run_leaves_the_working_directory_alone(run):
    before, after = run["cwd"]
    assert before == after


def test_failing_year_reported_without_traceback(run):
    failures = run["result"].failures
    assert failures == [
        Failure(FAIL_YEAR, "calibration", None, failures[0].message)
    ]
    message = failures[0].message
    assert message.startswith(f"ValueError: inga poäng för {FAIL_YEAR}")
    assert "Traceback" not in message and "\n" not in message
    assert str(failures[0]).startswith(f"{FAIL_YEAR} calibration: ValueError")
    assert not run["result"].ok


def test_failed_run_keeps_good_report_and_leaves_no_temp_files(run):
    good = run["out"] / str(FAIL_YEAR)
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in good.iterdir()}
    assert after == run["before"]
    leftovers = [p for p in run["out"].rglob("*")
                 if ".tmp" in p.name or (p.name.startswith(".") and p.name != manifest.RECORDS)]
    assert leftovers == []


def test_other_years_still_run(run):
    assert len(run["result"].produced) == 2 == len(run["result"].notebooks)
    years = {p.parent.name for p in run["result"].reports}
    assert years == {"2020", "2021"}


def test_run_parameters_logged(run):
    log = "\n".join(run["log"])
    assert "years=[1999, 2020, 2021]" in log
    assert "kinds=['calibration']" in log
    assert f"data_dir={run['data'].resolve()}" in log
    assert f"out_dir={run['out'].resolve()}" in log
    assert "'year': 2021" in log and "calibration_report.ipynb" in log
    assert re.search(r"2021 calibration: wrote .*calibration\.html in \d+\.\d s", log)
    assert re.search(rf"{FAIL_YEAR} calibration failed after \d+\.\d s: ValueError", log)


def test_index_links_every_report_relatively(run):
    index = run["result"].index
    assert index == run["out"].resolve() / "index.html"
    page = index.read_text(encoding="utf-8")
    parser = Page(page)
    reports = [(href, text) for href, text in parser.links if href.endswith(".html")]
    assert reports == [
        ("2021/calibration.html", "Kalibreringsrapport"),
        ("2020/calibration.html", "Kalibreringsrapport"),
        (f"{FAIL_YEAR}/calibration.html", "Kalibreringsrapport"),  # the good old report stays
    ]
    for href, _ in parser.links:
        assert not re.match(r"^([a-z]+:|/)", href)  # relative: the folder can be zipped
        assert (index.parent / href).is_file()
    assets = [t for t, a in parser.elements if t in ("link", "script", "img", "iframe") or "src" in a]
    assert assets == []  # self-contained: inline CSS, nothing to fetch
    assert "<style>" in page and "skapad" in page
    assert page.index("<h2>2021</h2>") < page.index("<h2>2020</h2>") < page.index(
        f"<h2>{FAIL_YEAR}</h2>"
    )


def test_index_groups_kinds_with_swedish_labels(tmp_path):
    """The reports this tool made, grouped and labelled; other files in the folder are never listed."""
    out = tmp_path / "out"
    for rel, kind, name in (("2023/examiners/E07.html", "examiner", "E07"), ("2024/examiners/E02.html", "examiner",
                            "E02"), ("2024/jury-skola.html", "jury", "skola"), ("2024/jury-forskola.html", "jury",
                            "forskola"), ("2024/calibration.html", "calibration", None)):
        earlier_report(out, rel, "<html></html>", kind=kind, name=name, notebook=False)
    for rel in ("2024/.calibration.x.tmp.html", "2024/notes.html", "misc/calibration.html",
                "2024/examiners/README.html", "2022/calibration.html"):
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text("<html></html>", encoding="utf-8")
    page = write_index(out).read_text(encoding="utf-8")
    parser = Page(page)
    assert [(h, t) for h, t in parser.links if h != "manifest.json"] == [
        ("2024/calibration.html", "Kalibreringsrapport"),
        ("2024/jury-forskola.html", "Jurypaket – Förskola"),  # label from the rubric
        ("2024/jury-skola.html", "Jurypaket – Skola"),
        ("2024/examiners/E02.html", "Återkoppling – E02"),
        ("2023/examiners/E07.html", "Återkoppling – E07"),
    ]
    assert "okänd" in page  # the records name no inputs


def test_empty_index(tmp_path):
    page = write_index(tmp_path / "new").read_text(encoding="utf-8")
    assert "Inga rapporter ännu" in page


def test_jury_pack_per_class_in_process_with_progress(workspace, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")  # as CI often sets it: figures must still show
    jury = _standin_notebook(tmp_path / "jury_pack.ipynb")
    result = run_reports(
        [2021], kinds="jury", data_dir=workspace["data"], out_dir=tmp_path / "out",
        notebooks_dir=jury.parent, names={"jury": lambda year: ["forskola"]}, timeout=120,
    )
    assert result.ok, result.failures
    html = tmp_path / "out" / "2021" / "jury-forskola.html"
    assert result.reports == [html]
    page = html.read_text(encoding="utf-8")
    assert "Rapport för år 2021 forskola" in page
    assert "<title>Testrapport, Förskola 2021</title>" in page  # the class's Swedish label
    assert FIGURE.search(page)
    assert os.environ["MPLBACKEND"] == "Agg"  # restored after the run
    assert "reports" in capsys.readouterr().err  # the overall progress bar
    parser = Page.read(result.index)
    assert ("2021/jury-forskola.html", "Jurypaket – Förskola") in parser.links


def test_figure_without_text_alternative_fails_and_publishes_nothing(workspace, tmp_path):
    """A pyplot figure (no alt text) stops that report; an older good report stays."""
    (tmp_path / "nb").mkdir()
    notebook = _standin_notebook(
        tmp_path / "nb" / "calibration_report.ipynb",
        figure="import matplotlib.pyplot as plt\nplt.plot([1, 2], [2, 1])\nplt.show()",
    )
    good = earlier_report(tmp_path / "out", "2020/calibration.html", "good", notebook=False)
    result = run_reports([2020], data_dir=workspace["data"], out_dir=tmp_path / "out",
                         notebooks_dir=notebook.parent, progress=False, timeout=120)
    assert [(f.year, f.kind) for f in result.failures] == [(2020, "calibration")]
    assert "a figure without a text alternative" in result.failures[0].message
    assert good.read_text(encoding="utf-8") == "good"
    assert not (good.parent / "calibration.ipynb").exists()
    assert sorted(p.name for p in good.parent.iterdir()) == ["calibration.html"]


def test_missing_notebook_is_a_clear_failure(tmp_path):
    empty = tmp_path / "notebooks"
    empty.mkdir()
    result = run_reports([2024], kinds="jury", out_dir=tmp_path, progress=False, notebooks_dir=empty)
    assert [(f.year, f.kind, f.name) for f in result.failures] == [(None, "jury", None)]
    assert result.failures[0].message.startswith("jury packs are not available yet: ")
    assert result.failures[0].message.endswith("jury_pack.ipynb is missing")
    assert str(result.failures[0]) == result.failures[0].message
    assert result.index == tmp_path / "index.html" and result.index.is_file()


def test_all_kinds_means_those_with_a_notebook(workspace):
    assert reports.expand_kinds("all", workspace["notebooks"]) == ["calibration"]
    assert reports.expand_kinds(["examiner", "calibration"]) == ["calibration", "examiner"]
    with pytest.raises(ValueError, match="unknown report kind 'juri'"):
        reports.expand_kinds("juri")


def test_year_without_data_fails_before_starting_a_kernel(workspace, tmp_path):
    result = run_reports([2017], data_dir=workspace["data"], out_dir=tmp_path,
                         notebooks_dir=workspace["notebooks"], progress=False)
    assert [(f.year, f.kind) for f in result.failures] == [(2017, "calibration")]
    assert result.failures[0].message.startswith("no data for 2017:")
    assert not (tmp_path / "2017").exists()


def test_output_paths_per_kind(tmp_path):
    kinds = reports.REPORT_KINDS
    assert kinds["calibration"].output_html(tmp_path, 2024) == tmp_path / "2024/calibration.html"
    assert kinds["jury"].output_html(tmp_path, 2024, "skola") == tmp_path / "2024/jury-skola.html"
    assert (kinds["examiner"].output_html(tmp_path, 2024, "E07")
            == tmp_path / "2024/examiners/E07.html")
    assert kinds["jury"].output_html(tmp_path, 2024, "a/b c").name == "jury-a-b-c.html"


@pytest.mark.parametrize(
    "text, years",
    [
        ("2024", [2024]),
        ("2019-2024", [2019, 2020, 2021, 2022, 2023, 2024]),
        ("2019,2021", [2019, 2021]),
        (" 2021 , 2019 ", [2019, 2021]),
        ("2019–2020", [2019, 2020]),
        ("2019 - 2020,2024,2020", [2019, 2020, 2024]),
        ("2020-2020", [2020]),
        (2023, [2023]),
    ],
)
def test_parse_years(text, years):
    assert parse_years(text) == years


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "no year given"),
        ("   ", "no year given"),
        ("24", "bad year '24'"),
        ("2024-2019", "2024 comes after 2019"),
        ("2019,,2021", "empty item"),
        ("all", "bad year 'all'"),
        ("2019-", "bad year '2019-'"),
        ("20x4", "bad year '20x4'"),
    ],
)
def test_parse_years_rejects(text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_years(text)


def test_cli_report_options():
    from scoring.cli import _parser, main

    args = _parser().parse_args(["report", "--year", "2024", "--bundle", "--workers", "3"])
    assert args.bundle is True and args.workers == 3
    assert _parser().parse_args(["report"]).bundle is False
    assert main(["report", "--year", "2024", "--workers", "0"]) == 2
    # -v after the command as before it; without it, no log line while the run runs
    assert [_parser().parse_args(a).verbose for a in (["report"], ["report", "-v"], ["-v", "report"],
                                                        ["report", "--verbose", "--year", "2024"])] == [
        False, True, True, True]


#: A report whose output carries a note the runner cannot read: it logs a warning per report.
ODD_NOTE = ('from IPython.display import display\n'
            'display({"text/plain": "ett år utelämnat"}, raw=True,\n'
            '        metadata={"scoring": {"left_out": [{"year": "inget år"}]}})')


@pytest.fixture(scope="module")
def cli_runs(tmp_path_factory):
    """``scoring report`` over two years of stand-in reports, as a user runs it (its own process, so
    that the command line sets up logging as it does for a user), without and with ``-v``."""
    import subprocess
    import sys

    root = tmp_path_factory.mktemp("cli")
    nbs = root / "notebooks"
    _notebook(nbs / "calibration_report.ipynb", "print('Rapport för', year)", ODD_NOTE)
    data = _data(root / "data", years=(2020, 2021))
    code = ("import sys\nfrom pathlib import Path\nimport scoring.reports.runner as runner\n"
            f"runner.NOTEBOOKS_DIR = Path({str(nbs)!r})\n"
            "from scoring.cli import console\nconsole()\n")  # as the scoring command ends
    runs = {}
    for verbose in (False, True):
        # one worker: one kernel to start for the two reports (the bar and the log are the same with two)
        command = ["report", "--years", "2020-2021", "--data", str(data), "--out", str(root / f"out-{verbose}"),
                   "--workers", "1"]
        r = subprocess.run([sys.executable, "-c", code, *command, *(["-v"] if verbose else [])],
                           capture_output=True, text=True, cwd=root, timeout=600)
        runs[verbose] = r
    return runs


@pytest.mark.slow
def test_a_report_run_shows_the_bar_and_a_summary_and_no_log_line(cli_runs):
    """Issue 18: a run printed its INFO lines into its progress bar (147 in one run). Without -v:
    the bar, then the summary, the warnings counted there."""
    r = cli_runs[False]
    assert r.returncode == 0, r.stderr
    lines = [line for line in re.split(r"[\r\n]+", r.stderr) if line.strip()]
    assert [line for line in lines if re.search(r" (DEBUG|INFO|WARNING|ERROR) ", line)] == []
    assert any(line.startswith("reports:") and "2/2" in line for line in lines)  # the bar
    tail = r.stderr[r.stderr.rindex("2/2"):].splitlines()[1:]
    assert tail == [
        "2 warning(s) (-v logs them as they come):",
        "warning: unreadable left_out note in a report: {'year': 'inget år'} (2 times)",
        f"2 report(s) written; index: {tail[-1].split('index: ')[1]}",
    ]
    assert r.stdout == ""


@pytest.mark.slow
def test_a_report_run_logs_every_step_with_verbose(cli_runs):
    r = cli_runs[True]
    assert r.returncode == 0, r.stderr
    assert re.search(r" INFO scoring\.report: 2021 calibration: wrote .*calibration\.html in \d", r.stderr)
    assert len(re.findall(r" WARNING scoring\.report: unreadable left_out note", r.stderr)) == 2
    assert "2 warning(s):" in r.stderr and "2 report(s) written" in r.stderr


def test_the_warnings_of_a_run_are_in_its_result(workspace, tmp_path):
    """Whatever logs a warning while a run runs (here the runner, reading a report's odd note)."""
    nbs = tmp_path / "nb"
    _notebook(nbs / "calibration_report.ipynb", ODD_NOTE)
    result = run_reports([2020, 2021], data_dir=workspace["data"], out_dir=tmp_path / "out", notebooks_dir=nbs,
                         progress=False, timeout=120)
    assert result.ok, result.failures
    assert result.warnings == ["unreadable left_out note in a report: {'year': 'inget år'}"] * 2
    before = list(logging.getLogger().handlers)  # the run leaves no handler behind
    run_reports([2021], data_dir=workspace["data"], out_dir=tmp_path / "out", notebooks_dir=nbs, progress=False,
                timeout=120)
    assert logging.getLogger().handlers == before


@pytest.mark.slow
def test_real_calibration_notebook_for_2021(tmp_path):
    """The real notebook for a non-default year, into a temporary folder."""
    notebook = NOTEBOOKS_DIR / "calibration_report.ipynb"
    assert notebook.is_file(), f"{notebook} is missing"
    result = run_reports([2021], data_dir=DATA_DIR, out_dir=tmp_path, progress=False)
    assert result.ok, [str(f) for f in result.failures]
    html = tmp_path / "2021" / "calibration.html"
    assert html.is_file() and (tmp_path / "2021" / "calibration.ipynb").is_file()
    page = html.read_text(encoding="utf-8")
    assert "<h2>År 2021</h2>" in page  # the report's heading names the year
    assert "<title>Kalibreringsrapport – Stockholms stads kvalitetsutmärkelse, 2021</title>" in page
    assert len(FIGURE.findall(page)) == 4, "the calibration report has four figures"
    alts = re.findall(r'<img [^>]*alt="([^"]*)"', page)
    assert len(alts) == 4 and all(len(a) > 40 for a in alts), alts  # each says what it shows
    assert "import scoring" not in page  # the code is hidden
    assert "<script" not in page and "http://" not in page and "https://" not in page
    assert f'content="{CSP}"' in page
    assert html.stat().st_size < 2 * 1024 * 1024, "a yearly calibration report stays under 2 MB"
    assert re.findall(r'<(?:img|link|script|iframe)\b[^>]*\b(?:src|href)="(?!data:)', page) == []  # self-contained
    assert "ingår inte i trenden" not in page  # no year left out of the demo's trend
    assert '<pre class="text">' not in page  # every output came through scoring.presentation.render
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            for line in cell.source.splitlines():
                line = line.strip()
                if len(line) > 12 and not line.startswith("#"):
                    assert line not in page, f"code shown in the report: {line}"


# --------------------------------------------------------------------------------------
# Warm kernels: one kernel per worker, nothing of one report in the next
# --------------------------------------------------------------------------------------


def _notebook(path: Path, *cells: str, parameters: str = 'year = 2024\ndata_dir = ""') -> Path:
    """A notebook: a title, the parameters cell, then one code cell per source."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell(parameters)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# Testrapport"), params,
                *(nbformat.v4.new_code_cell(c) for c in cells)]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def _data(root: Path, years=(2021,), codes=("E01", "E02", "E03")) -> Path:
    """A data folder whose scores.csv files name ``codes`` (the people a private report must not name)."""
    for year in years:
        d = root / str(year)
        d.mkdir(parents=True, exist_ok=True)
        rows = [f"{year},B1,{c},staff,50" for c in codes]
        (d / "scores.csv").write_text("year,entry_id,examiner_id,criterion,score\n" + "\n".join(rows) + "\n",
                                      encoding="utf-8")
    return root


FINGERPRINT = '''\
import hashlib, json, logging, os, sys, warnings
import matplotlib, numpy as np, pandas as pd
_seen = {"hashlib", "json", "logging", "os", "sys", "warnings", "matplotlib", "np", "pd"}
_options = {k: repr(v) for k, v in pd.options.display.__dict__.get("d", {}).items()}
print("FINGERPRINT", json.dumps({
    "globals": sorted(k for k in globals() if k not in _seen and k != "_seen"),
    "execution_count": get_ipython().execution_count,
    "cwd": os.getcwd(),
    "rc": hashlib.sha256(repr(sorted((k, repr(v)) for k, v in matplotlib.rcParams.items()
                                     if k != "backend")).encode()).hexdigest(),
    "max_rows": pd.get_option("display.max_rows"),
    "leak_filter": any("scoring-leak" in str(f[1]) for f in warnings.filters),
    "env": os.environ.get("SCORING_LEAK"),
    "path": "/leak" in sys.path,
    "figures": len(sys.modules["matplotlib.pyplot"].get_fignums()) if "matplotlib.pyplot" in sys.modules else 0,
    "np_err": np.geterr(),
    "handlers": len(logging.getLogger().handlers),
    "recursion": sys.getrecursionlimit(),
}, sort_keys=True))'''

SHOW = '''\
from matplotlib.figure import Figure
from scoring.presentation import render
secret_of_this_report = f"hemligt-{examiner_id}"
fig = Figure(figsize=(2, 1.5))
fig.add_subplot().plot([1, 2, 3], [3, 1, 2])
display(render.Figure(fig, alt=f"Linjediagram för {examiner_id}"))
print("secret", secret_of_this_report)
import _probe
_probe.CALLS.append(1)
print("calls in this kernel", len(_probe.CALLS))'''

MUTATE = '''\
pd.set_option("display.max_rows", 3)
matplotlib.rcParams["lines.linewidth"] = 9
warnings.filterwarnings("ignore", message="scoring-leak")
os.environ["SCORING_LEAK"] = examiner_id
sys.path.append("/leak")
logging.getLogger().addHandler(logging.NullHandler())
np.seterr(all="raise")
sys.setrecursionlimit(5000)
import matplotlib.pyplot as plt
plt.figure()  # left open
os.chdir("/")'''


def _fingerprint(ipynb: Path) -> dict:
    import json

    nb = nbformat.read(ipynb, as_version=4)
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            for line in o.get("text", "").splitlines():
                if line.startswith("FINGERPRINT "):
                    return json.loads(line[len("FINGERPRINT "):])
    raise AssertionError(f"no fingerprint in {ipynb}")


@pytest.fixture(scope="module")
def isolation(tmp_path_factory):
    """Two examiners in ONE warm kernel, and the second one again in a fresh kernel."""
    stop_kernels()  # no kernel of an earlier run: the first report starts one
    root = tmp_path_factory.mktemp("isolation")
    nbs = root / "notebooks"
    _notebook(nbs / "examiner_feedback.ipynb", FINGERPRINT, SHOW, MUTATE,
              parameters='year = 2024\ndata_dir = ""\nexaminer_id = ""')
    (nbs / "_probe.py").write_text("CALLS = []\n", encoding="utf-8")
    data = _data(root / "data")
    common = dict(kinds="examiner", data_dir=data, notebooks_dir=nbs, progress=False, timeout=120)
    warm = run_reports([2021], names={"examiner": ["E01", "E02"]}, out_dir=root / "warm", workers=1, **common)
    cold = run_reports([2021], names={"examiner": ["E02"]}, out_dir=root / "cold", warm=False, **common)
    return {"root": root, "warm": warm, "cold": cold}


def test_one_warm_kernel_runs_both_reports(isolation):
    warm = isolation["warm"]
    assert warm.ok, warm.failures
    assert len(warm.warmup) == 1  # one kernel started, both reports ran in it
    second = (isolation["root"] / "warm/2021/examiners/E02.ipynb").read_text(encoding="utf-8")
    assert "calls in this kernel 2" in second  # the module (an in-process cache) survived
    assert "calls in this kernel 1" in (isolation["root"] / "cold/2021/examiners/E02.ipynb").read_text()


def test_second_report_holds_nothing_of_the_first(isolation):
    root = isolation["root"]
    for path in (root / "warm/2021/examiners/E02.html", root / "warm/2021/examiners/E02.ipynb"):
        text = path.read_text(encoding="utf-8")
        assert "E01" not in text and "hemligt-E01" not in text, path  # no variable, no output
    page = (root / "warm/2021/examiners/E02.html").read_text(encoding="utf-8")
    assert len(FIGURE.findall(page)) == 1  # no figure of the first report
    fp = _fingerprint(root / "warm/2021/examiners/E02.ipynb")
    assert fp["globals"].count("secret_of_this_report") == 0 and "fig" not in fp["globals"]
    assert not fp["leak_filter"] and fp["env"] is None and not fp["path"] and fp["figures"] == 0
    assert fp["max_rows"] != 3 and fp["np_err"]["all" if "all" in fp["np_err"] else "divide"] != "raise"
    assert fp["cwd"] == str((root / "notebooks").resolve())


def test_second_report_starts_as_in_a_fresh_kernel(isolation):
    root = isolation["root"]
    warm = _fingerprint(root / "warm/2021/examiners/E02.ipynb")
    cold = _fingerprint(root / "cold/2021/examiners/E02.ipynb")
    assert warm == cold
    nb = nbformat.read(root / "warm/2021/examiners/E02.ipynb", as_version=4)
    counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1))  # the count starts at 1 again


def test_an_examiners_kernel_does_without_scipy():
    """A warm kernel for examiners' reports imports the libraries and the kind's package, and with them
    no scipy: not stats, optimize, sparse or linalg (a second of every examiner run's kernel start), nor
    special (0.15 s, with numpy.f2py through its array API layer); the model, fitted by the runner, is
    read without them."""
    from scoring.reports.warm import LIBRARIES

    code = (f"import importlib, sys\nfrom scoring.reports.warm import _scoring_modules\n"
            f"for m in {LIBRARIES!r}: importlib.import_module(m)\n"
            "for m in _scoring_modules('scoring.kinds.examiner'): importlib.import_module(m)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'scipy'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_papermill_is_imported_without_the_iri_grammar():
    """load_papermill imports Papermill (and nbformat's jsonschema) without compiling rfc3987_syntax's
    grammar, which the notebooks' schema never uses; the package stays importable, and a notebook
    is still validated."""
    code = ("import sys\nfrom scoring.reports.warm import load_papermill\npm = load_papermill()\n"
            "import jsonschema, nbformat\n"
            "print('rfc3987_syntax' in sys.modules, 'iri' in jsonschema.FormatChecker().checkers)\n"
            "nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('1')])\nnbformat.validate(nb)\n"
            "nb.cells[0]['execution_count'] = 'one'\n"
            "try:\n    nbformat.validate(nb)\nexcept nbformat.ValidationError:\n    print('invalid')\n"
            "import importlib.util\nprint(importlib.util.find_spec('rfc3987_syntax') is not None)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False", "invalid", str(importlib.util.find_spec("rfc3987_syntax") is not None)]


def test_a_kept_kernel_serves_a_run_that_needs_no_more_than_it_imported():
    from scoring.reports.warm import LIBRARIES, WARM_IMPORTS, _covers

    one_kind = (*LIBRARIES, "scoring.kinds.examiner")
    assert _covers(WARM_IMPORTS, one_kind)  # "scoring" imported every module of the package
    assert _covers(one_kind, one_kind) and not _covers(one_kind, WARM_IMPORTS)
    assert not _covers(one_kind, (*LIBRARIES, "scoring.kinds.jury"))
    assert not _covers(("matplotlib",), ("matplotlib.figure",))  # a library's module is not imported with it


def test_the_next_run_of_the_process_reuses_the_kernel_reset_as_a_fresh_one(tmp_path, monkeypatch):
    """A finished run's kernel serves the next run of the same process (no start), reset as
    before any report; a run under another cache folder reuses it too, given the folder and without what
    it kept in memory; a run in another environment starts its own; stop_kernels stops them."""
    stop_kernels()
    nbs = tmp_path / "notebooks"
    memory = ("import scoring.cache\n"  # what the kernel kept in memory, and its cache folder
              "print('kept', sum(k[0] == 'leak' for k in scoring.cache._MEMORY), os.environ.get('SCORING_CACHE_DIR'))\n"
              "scoring.cache._MEMORY['leak', examiner_id] = 1")
    _notebook(nbs / "examiner_feedback.ipynb", FINGERPRINT, "print('pid', os.getpid())", MUTATE, memory,
              parameters='year = 2024\ndata_dir = ""\nexaminer_id = ""')
    data = _data(tmp_path / "data", codes=("E01", "E02", "E03", "E04", "E05"))
    monkeypatch.setenv("SCORING_CACHE_DIR", str(tmp_path / "cache"))

    def run(name, out):
        result = run_reports([2021], kinds="examiner", names={"examiner": [name]}, data_dir=data, out_dir=out,
                             notebooks_dir=nbs, progress=False, timeout=120, workers=1)
        assert result.ok, result.failures
        text = (out / f"2021/examiners/{name}.ipynb").read_text(encoding="utf-8")
        run.kept = re.search(r'kept (\d+) ([^\s"\\]+)', text).groups()
        return result, re.search(r"pid (\d+)", text)[1], _fingerprint(out / f"2021/examiners/{name}.ipynb")

    first, _, fresh = run("E01", tmp_path / "a")
    assert len(first.warmup) == 1
    # the first run may import a library that sets an environment variable (threadpoolctl does),
    # so its kernel may not be the one reused: the third run takes the second run's kernel
    _, pid2, _ = run("E02", tmp_path / "b")
    third, pid3, fp = run("E03", tmp_path / "c")
    assert third.warmup == [] and pid3 == pid2  # the same kernel, not started again
    # what the report before changed (MUTATE) is gone: it starts as the first did, in a fresh kernel
    assert fp == fresh and fp["env"] is None and not fp["leak_filter"] and fp["max_rows"] != 3
    assert int(run.kept[0]) >= 1 and run.kept[1] == str(tmp_path / "cache")  # the run before's, kept in memory
    # another cache folder: the same kernel, given the folder, without what it kept in memory
    monkeypatch.setenv("SCORING_CACHE_DIR", str(tmp_path / "other-cache"))
    fifth, pid5, fp = run("E05", tmp_path / "e")
    assert fifth.warmup == [] and pid5 == pid3 and fp == fresh
    assert run.kept == ("0", str(tmp_path / "other-cache"))
    monkeypatch.setenv("SCORING_ANOTHER_SETTING", "1")  # a kernel inherits the environment it starts in
    fourth, pid4, _ = run("E04", tmp_path / "d")
    assert len(fourth.warmup) == 1 and pid4 != pid3
    assert stop_kernels(wait=False) == 2 and stop_kernels() == 0  # as the scoring command ends: killed
    assert _ended(int(pid3)) and _ended(int(pid4))


def _ended(pid: int, seconds: float = 10) -> bool:
    """Whether process ``pid`` ends (is gone, or a zombie its parent has not reaped) within ``seconds``."""
    stat = Path(f"/proc/{pid}/stat")
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            if stat.read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X"):
                return True
        except (FileNotFoundError, ProcessLookupError):
            return True
        time.sleep(0.05)
    return False


def test_dead_kernel_and_timeout_fail_only_their_report(tmp_path):
    nbs = tmp_path / "nb"
    _notebook(nbs / "calibration_report.ipynb",
              "import os, time\n"
              "if year == 2001:\n    os._exit(1)\n"
              "if year == 2002:\n    time.sleep(60)\n"
              "print('klar', year)")
    data = _data(tmp_path / "data", years=(2001, 2002, 2003))
    good = earlier_report(tmp_path / "out", "2001/calibration.html", "good", notebook=False)
    stop_kernels()  # the run starts its first kernel too
    result = run_reports([2001, 2002, 2003], data_dir=data, out_dir=tmp_path / "out", notebooks_dir=nbs,
                         progress=False, timeout=5, workers=1)
    messages = {f.year: f.message for f in result.failures}
    assert sorted(messages) == [2001, 2002]
    assert "kernel died" in messages[2001]
    assert "timeout" in messages[2002]
    assert result.reports == [tmp_path / "out/2003/calibration.html"]
    assert good.read_text(encoding="utf-8") == "good"
    assert len(result.warmup) == 3  # a new kernel after each failure
    assert [p for p in (tmp_path / "out").rglob("*") if ".tmp" in p.name] == []


# --------------------------------------------------------------------------------------
# The privacy guard in the run
# --------------------------------------------------------------------------------------

LEAKS = '''\
import io, os
import pandas as pd
from IPython.display import display
from matplotlib.figure import Figure
from scoring.presentation import render
first, second, last = sorted(pd.read_csv(os.path.join(data_dir, str(year), "scores.csv"))["examiner_id"])
if examiner_id == first:
    print("Jämför med", last)
fig = Figure(figsize=(2, 1.5))
fig.add_subplot().plot([1, 2], [2, 1])
if examiner_id == second:  # the same figure with another examiner's code in its PNG text layer
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Comment": f"poäng för {last}"})
    mark = {"scoring": {"rendered": True, "kind": "figure", "alt": "Linjediagram"}}
    display({"image/png": buf.getvalue()}, raw=True, metadata=mark)
else:
    display(render.Figure(fig, alt="Linjediagram"))
print("Återkoppling för", examiner_id)'''


def test_private_report_naming_another_examiner_is_not_published(tmp_path):
    nbs = tmp_path / "nb"
    _notebook(nbs / "examiner_feedback.ipynb", LEAKS, parameters='year = 2024\ndata_dir = ""\nexaminer_id = ""')
    data = _data(tmp_path / "data")
    old = earlier_report(tmp_path / "out", "2021/examiners/E01.html", "earlier good report", kind="examiner",
                          name="E01", notebook=False)
    result = run_reports([2021], kinds="examiner", data_dir=data, out_dir=tmp_path / "out",
                         notebooks_dir=nbs, progress=False, timeout=120, names={"examiner": ["E01", "E02", "E03"]})
    failed = {f.name: f.message for f in result.failures}
    assert sorted(failed) == ["E01", "E02"]
    assert failed["E01"].startswith("privacy: names E03: 2021/examiners/E01.html: text: names E03")
    assert "PNG tEXt 'Comment'" in failed["E02"]  # found in the image's text layer only
    assert result.reports == [tmp_path / "out/2021/examiners/E03.html"]  # E03 may name itself
    assert old.read_text(encoding="utf-8") == "earlier good report"
    written = sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*")
                     if p.is_file() and manifest.RECORDS not in p.parts)
    assert written == ["2021/examiners/E01.html", "2021/examiners/E03.html", "2021/examiners/E03.ipynb",
                       "index.html", "manifest.json"]


def test_an_unreadable_people_csv_fails_the_private_kind_before_any_report(tmp_path):
    """The guard fails closed while the jobs are planned (what everyone else is called is found only
    once a report is made): a people.csv that cannot be read fails the examiners' reports of the year
    with a message naming it, and none is made."""
    nbs = tmp_path / "nb"
    _notebook(nbs / "examiner_feedback.ipynb", "print('klar')",
              parameters='year = 2024\ndata_dir = ""\nexaminer_id = ""')
    data = _data(tmp_path / "data")
    (data / "people.csv").write_bytes(b"\x00\x01" * 200)
    result = run_reports([2021], kinds="examiner", data_dir=data, out_dir=tmp_path / "out", notebooks_dir=nbs,
                         progress=False, timeout=120, names={"examiner": ["E01", "E02"]})
    assert [(f.year, f.kind, f.name) for f in result.failures] == [(2021, "examiner", None)]
    assert "people.csv" in result.failures[0].message
    assert result.reports == [] and not (tmp_path / "out/2021").exists()


def test_provenance_recorded_from_what_the_report_read(tmp_path):
    import hashlib
    import json

    nbs = tmp_path / "nb"
    _notebook(nbs / "calibration_report.ipynb",
              "import os\n"
              "n = len(open(os.path.join(data_dir, str(year), 'scores.csv')).read())\n"
              "print('läste', n, 'tecken')")
    data = _data(tmp_path / "data", years=(2020, 2021))
    (data / "2021" / "entries.csv").write_text("entry_id,name,class\n", encoding="utf-8")  # not read
    for warm in (True, False):
        out = tmp_path / f"out-{warm}"
        result = run_reports([2021], data_dir=data, out_dir=out, notebooks_dir=nbs, progress=False,
                             timeout=120, warm=warm)
        assert result.ok, result.failures
        entry = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["reports"]["2021/calibration.html"]
        files = [i["file"] for i in entry["inputs"]]
        # warm kernels record what was opened; a fresh kernel's run falls back to the year's files
        assert files == (["2021/scores.csv"] if warm else ["2021/entries.csv", "2021/scores.csv"])
        sha = hashlib.sha256((data / "2021/scores.csv").read_bytes()).hexdigest()
        assert {"file": "2021/scores.csv", "sha256": sha} in entry["inputs"]
        assert entry["kind"] == "calibration" and entry["year"] == 2021 and entry["name"] is None
        assert entry["notebook"] == "2021/calibration.ipynb" and entry["parameters"]["year"] == 2021
        index = result.index.read_text(encoding="utf-8")
        assert sha[:12] in index and "2021/scores.csv" in index


@pytest.mark.parametrize(("names", "kernels"), [({"examiner": ["E07"]}, 1), ({"examiner": ["E07", "E14"]}, 2),
                                                (None, 2)])
def test_one_named_report_starts_one_kernel(monkeypatch, tmp_path, names, kernels):
    """``--examiner E07`` is one report: one kernel is started for it, not one per worker."""
    from scoring.reports import runner

    started = []

    class Stop(Exception):
        pass

    def pool(size, *args):
        started.append(size)
        raise Stop

    monkeypatch.setattr(runner, "Pool", pool)
    with pytest.raises(Stop):
        run_reports([2024], "examiner", names=names, out_dir=tmp_path / "out", workers=2, progress=False)
    assert started == [kernels]


def test_the_runner_reads_each_year_ahead(monkeypatch, tmp_path):
    """The runner's read-ahead reads every year and its office notes in turn; a year that cannot be
    read leaves the rest to be read. Once the run's reports are made it starts nothing more."""
    import threading

    import scoring.data
    from scoring.reports import index, runner

    calls = []

    def year_data(year, data_dir, ahead=False):
        assert ahead  # into the cache only
        calls.append(("year", year))
        if year == 2023:
            raise ValueError("unreadable")

    monkeypatch.setattr(scoring.data, "year_data", year_data)
    monkeypatch.setattr(index, "office_notes", lambda data_dir, year: calls.append(("notes", year)))
    thread = runner._read_ahead([2023, 2024], tmp_path, threading.Event())
    thread.join(30)
    assert not thread.is_alive()
    assert calls == [("year", 2023), ("notes", 2023), ("year", 2024), ("notes", 2024)]
    done = threading.Event()
    done.set()  # the reports are made before it starts: nothing is read
    runner._read_ahead([2023, 2024], tmp_path, done).join(30)
    assert calls[4:] == []


def test_the_read_ahead_fits_the_model_on_the_year_it_read(monkeypatch, tmp_path):
    """The model is fitted on the year the read-ahead has just read (not read again from the cache);
    on the year's number when it read nothing (the year was cached, or could not be read)."""
    import threading

    import scoring.calibration
    import scoring.data
    from scoring.reports import index, runner

    read = {2024: object(), 2025: None}
    fitted = []

    def year_data(year, data_dir, ahead=False):
        if year not in read:
            raise ValueError("unreadable")
        return read[year]

    monkeypatch.setattr(scoring.data, "year_data", year_data)
    monkeypatch.setattr(scoring.calibration, "year_model", lambda year, data_dir, ahead=False: fitted.append(year))
    monkeypatch.setattr(index, "office_notes", lambda data_dir, year: None)
    runner._read_ahead([2023, 2024, 2025], tmp_path, threading.Event(), model=True).join(30)
    assert fitted == [2023, read[2024], 2025]


def test_the_pool_says_when_its_kernels_are_started():
    from scoring.reports.execute import Pool

    with Pool(2, False, []) as pool:
        pool.wait_launched(timeout=30)
        assert len(pool.launched) == 2 and all(e.is_set() for e in pool.launched)


def test_a_kept_kernel_imports_what_the_next_run_needs_instead_of_a_new_kernel(tmp_path):
    """A run of another kind takes the kept kernel of a run of examiner pages: reset, it imports the
    other kind's package and starts the report as a fresh kernel would."""
    stop_kernels()
    nbs = tmp_path / "notebooks"
    probe = ("import sys\n"
             "print('pid', os.getpid(), 'calibration' if 'scoring.kinds.calibration_report' in sys.modules else '')")
    _notebook(nbs / "examiner_feedback.ipynb", FINGERPRINT, "print('pid', os.getpid())", MUTATE,
              parameters='year = 2024\ndata_dir = ""\nexaminer_id = ""')
    _notebook(nbs / "calibration_report.ipynb", FINGERPRINT, probe)
    data = _data(tmp_path / "data", codes=("E01", "E02"))
    common = dict(data_dir=data, notebooks_dir=nbs, progress=False, timeout=120, workers=1)
    for name in ("E01", "E02"):  # the second run's kernel is parked in the environment the third runs in
        first = run_reports([2021], kinds="examiner", names={"examiner": [name]}, out_dir=tmp_path / name, **common)
        assert first.ok, first.failures
    pid = re.search(r"pid (\d+)", (tmp_path / "E02/2021/examiners/E02.ipynb").read_text(encoding="utf-8"))[1]
    other = run_reports([2021], kinds="calibration", out_dir=tmp_path / "c", **common)
    assert other.ok, other.failures
    text = (tmp_path / "c/2021/calibration.ipynb").read_text(encoding="utf-8")
    assert other.warmup == [] and re.search(r"pid (\d+) calibration", text)[1] == pid  # kept, then imported
    assert stop_kernels() == 1
    fresh = run_reports([2021], kinds="calibration", out_dir=tmp_path / "fresh", warm=False, **common)
    assert fresh.ok, fresh.failures
    assert _fingerprint(tmp_path / "c/2021/calibration.ipynb") == _fingerprint(tmp_path / "fresh/2021/"
                                                                                          "calibration.ipynb")
