"""The rendering path: Swedish numbers, escaped tables and prose, figures with text alternatives."""

from __future__ import annotations

import base64
import io
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from scoring.kinds.calibration_report import figures as plots
from scoring.kinds.calibration_report import words as calibration_words
from scoring.presentation import labels, render
from scoring.reports.page import check_fragment
from scoring.rubric import load_rubric

RUBRIC = load_rubric()
NNBSP = "\u202f"  # narrow no-break space between thousands
MINUS = "\u2212"

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=\"document.title='XSS'\">",
    "</table>",
    "**bold** [link](http://example.com)",
    "$x^2$ \\(a\\)",
    "Ärligt & öppet 🙂 – “citat” 'enkelt'",
    "lång " * 400,
]


class Cells(HTMLParser):
    """Text per <th>/<td>, the tags and attributes seen, and the text outside cells."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self.tags: list[tuple[str, tuple]] = []
        self._cell: list[str] | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, tuple(sorted(attrs))))
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    "value, precision, expected",
    [
        (0.456, 2, "0,46"),
        (-0.456, 2, f"{MINUS}0,46"),
        (-0.001, 2, "0,00"),  # no "minus zero"
        (1234.5, 1, "1234,5"),  # four digits: no separator (Språkrådet), so years stay whole
        (12345.678, 2, f"12{NNBSP}345,68"),
        (-1234567, 2, f"{MINUS}1{NNBSP}234{NNBSP}567"),  # integers never get decimals
        (np.int64(2024), 2, "2024"),
        (np.float64(40.0), None, "40"),
        (2.5, None, "2,5"),
        (float("nan"), 2, "–"),
        (None, 2, "–"),
        (pd.NA, 2, "–"),
        (float("inf"), 2, "∞"),
        (True, 2, "ja"),
    ],
)
def test_number(value, precision, expected):
    assert render.number(value, precision) == expected


def test_number_sign_and_template_specs():
    assert render.number(3.25, 1, sign=True) == "+3,2"
    assert render.number(0.0, 1, sign=True) == "0,0"
    p = render.paragraph("{a} {b:.1f} {c:+.1f} {d:.0%} {e:d} {f}", a=0.5, b=2, c=-1.25, d=0.456, e=7.0, f=np.nan)
    assert p.text == f"0,5 2,0 {MINUS}1,2 46\u00a0% 7 –"
    with pytest.raises(ValueError, match="not supported for numbers"):
        render.paragraph("{x:e}", x=1.0)


# --------------------------------------------------------------------------- prose


def test_paragraph_escapes_values_and_template():
    p = render.paragraph("<{who}> gav {n} poäng & {note}", who="<script>alert(1)</script>", n=1234,
                         note=render.em("{x}", x="<b>"))
    assert p.html == ("<p>&lt;&lt;script&gt;alert(1)&lt;/script&gt;&gt; gav 1234 poäng &amp; "
                      "<em>&lt;b&gt;</em></p>")
    assert p.text == "<<script>alert(1)</script>> gav 1234 poäng & <b>"
    check_fragment(p.html)


def test_template_fields_must_be_named():
    with pytest.raises(ValueError, match="name every value"):
        render.paragraph("{}")
    with pytest.raises(ValueError, match="name every value"):
        render.paragraph("{x!r}", x="a")
    with pytest.raises(KeyError):
        render.paragraph("{missing}")
    assert render.paragraph("{{literal}} {x}", x=1).text == "{literal} 1"


def test_heading_code_bullets_group_and_metadata():
    g = render.group(
        render.heading("År {year}", year=2024),
        render.paragraph("Fil {f}", f=render.code("data/<x>.csv"), css="warning", meta={"seen": [1]}),
        None,
        render.bullets(["<a>", 1.5, render.strong("fet")]),
    )
    assert g.html == ('<h2>År 2024</h2>\n<p class="warning">Fil <span class="code">data/&lt;x&gt;.csv</span></p>\n'
                      "<ul><li>&lt;a&gt;</li><li>1,5</li><li><strong>fet</strong></li></ul>")
    check_fragment(g.html)
    data, meta = g._repr_mimebundle_()
    assert data["text/html"] == g.html and "År 2024" in data["text/plain"]
    assert meta == {"scoring": {"rendered": True, "kind": "block", "seen": [1]}}
    assert render.is_rendered(meta) and not render.is_rendered({}) and not render.is_rendered({"scoring": 1})
    with pytest.raises(ValueError):
        render.heading("x", level=1)
    with pytest.raises(ValueError):
        render.paragraph("x", css='a" onclick="x')


# --------------------------------------------------------------------------- tables


def test_table_formats_escapes_and_aligns():
    df = pd.DataFrame({
        "entry_id": ["2024-01", "<b>"],
        "name": ["Förskolan Ängen", HOSTILE[1]],
        "score": [40.0, 50.0],  # whole numbers: no decimals
        "mean": [56.6667, np.nan],
        "n": pd.array([12345, None], dtype="Int64"),
        "bias": [-1.5, 0.25],
        "ok": pd.array([True, None], dtype="boolean"),
    }, index=[7, 9])
    t = render.Table(df, headers={"name": "Verksamhet", "mean": "Medel <x>"}, codes=["entry_id"],
                     precision={"bias": 1}, caption="Bidrag & poäng")
    cells = Cells(t.html)
    assert cells.rows == [
        ["entry_id", "Verksamhet", "score", "Medel <x>", "n", "bias", "ok"],
        ["2024-01", "Förskolan Ängen", "40", "56,67", f"12{NNBSP}345", f"{MINUS}1,5", "ja"],
        ["<b>", HOSTILE[1], "50", "–", "–", "0,2", "–"],
    ]
    assert "<caption>Bidrag &amp; poäng</caption>" in t.html
    assert '<td><span class="code">&lt;b&gt;</span></td>' in t.html
    assert t.html.count('<th scope="col" class="num">') == 4  # score, mean, n, bias
    assert "<thead><tr>" in t.html and "7" not in Cells(t.html).rows[1]  # no index
    check_fragment(t.html)
    data, meta = t._repr_mimebundle_()
    assert meta == {"scoring": {"rendered": True, "kind": "table"}}
    assert data["text/plain"].splitlines()[0] == "Bidrag & poäng"


def test_table_precision_for_all_columns_and_code_lists():
    df = pd.DataFrame({"examiner_id": ["E01"], "x": [2.0], "scores": ["E01 60, <i> 80"]})
    t = render.Table(df, precision=1, code_lists=["scores"], right=["scores"])
    assert Cells(t.html).rows[1] == ["E01", "2,0", "E01 60, <i> 80"]
    assert ('<td class="num"><span class="code">E01 60</span>, <span class="code">&lt;i&gt; 80</span></td>'
            in t.html)
    empty = render.Table(df.iloc[:0])
    assert '<td colspan="3" class="empty">Inga rader.</td>' in empty.html
    with pytest.raises(TypeError):
        render.Table([1, 2])


def test_every_hostile_string_is_a_cell_text_never_markup():
    df = pd.DataFrame({"entry_id": HOSTILE, "comment": HOSTILE, "district": HOSTILE[::-1]})
    t = labels.show(df, RUBRIC, caption=HOSTILE[0])
    cells = Cells(t.html)
    assert [r[0] for r in cells.rows[1:]] == HOSTILE
    assert [r[1] for r in cells.rows[1:]] == HOSTILE
    assert [r[2] for r in cells.rows[1:]] == HOSTILE[::-1]
    assert {tag for tag, _ in cells.tags} == {"div", "table", "caption", "thead", "tbody", "tr", "th", "td", "span"}
    assert not any(name.startswith("on") or name in ("href", "src") for _, attrs in cells.tags for name, _ in attrs)
    check_fragment(t.html)


def test_labels_show_swedish_headers_labels_and_codes():
    df = pd.DataFrame({"entry_id": ["2024-01"], "criterion": ["leadership"], "class": ["forskola"],
                       "examiner_id": ["E07"], "closest_examiner": ["E01, E07"], "spread": [40.0]})
    t = labels.show(df, RUBRIC)
    assert Cells(t.html).rows == [
        ["Bidrag", "Kriterium", "Klass", "Examinator", "Närmast konsensus", "Spridning"],
        ["2024-01", "Chef- och ledarskap", "Förskola", "E07", "E01, E07", "40"],
    ]
    assert t.html.count('<span class="code">') == 4


def test_intervals_use_swedish_numbers_and_minus():
    table = pd.DataFrame({
        "criterion": ["staff", "leadership", "staff"], "coefficient": ["ICC1", "ICC1", "ICC2"],
        "estimate": [0.45, -0.05, np.nan], "ci_low": [0.29, -0.2, np.nan], "ci_high": [0.64, 0.1, np.nan],
        "n_units": [30, 30, 30], "n_raters": [38, 38, 38], "n_ratings": [155, 150, 155],
    })
    rows = Cells(calibration_words.intervals(table, RUBRIC, ["ICC1", "ICC2"]).html).rows
    assert rows[1:] == [
        ["Chef- och ledarskap", f"{MINUS}0,05 ({MINUS}0,20–0,10)", "–", "30", "38", "150"],
        ["Medarbetare", "0,45 (0,29–0,64)", "–", "30", "38", "155"],
    ]


def test_incomplete_scorebooks_sentence_or_table():
    complete = pd.DataFrame({"examiner_id": ["E1"], "entries": [1], "expected": [6], "scored": [6],
                             "complete_share": [1.0], "missing": [""]})
    text = calibration_words.incomplete_scorebooks(complete, RUBRIC).text
    assert text == "Alla 1 examinatorers protokoll är fullständiga."
    missing = complete.assign(scored=[5], complete_share=[5 / 6], missing=["A: Målgrupp"])
    t = calibration_words.incomplete_scorebooks(missing, RUBRIC)
    assert isinstance(t, render.Table) and Cells(t.html).rows[1][4] == "83\u00a0%"


# --------------------------------------------------------------------------- figures


def _png_pixels(png: bytes) -> tuple[int, int]:
    from matplotlib.image import imread

    a = imread(io.BytesIO(png))
    return a.shape[1], a.shape[0]


def test_figure_bundle_alt_text_and_size():
    fig = Figure(figsize=(4, 2))
    fig.add_subplot().bar(["a", "b"], [1, 2])
    f = render.Figure(fig, "  Stapeldiagram:\n a 1, b 2  ")
    data, meta = f._repr_mimebundle_()
    assert base64.b64decode(data["image/png"]) == f.png
    assert data["text/plain"] == "[Figur: Stapeldiagram: a 1, b 2]"
    assert meta["scoring"] == {"rendered": True, "kind": "figure", "alt": "Stapeldiagram: a 1, b 2"}
    w, h = _png_pixels(f.png)
    assert meta["image/png"] == {"width": round(w / 1.5), "height": round(h / 1.5)}  # 150 dpi shown at 100
    for bad in ("", "   ", None):
        with pytest.raises(ValueError, match="text alternative"):
            render.Figure(fig, bad)


def test_figure_text_from_data_is_never_mathtext():
    """'$x^{$' would be a malformed formula: matplotlib would raise and stop the report."""
    fig = Figure(figsize=(3, 2))
    ax = fig.add_subplot()
    ax.barh(["$x^{$", "\\(a\\)", "$x^2$"], [1, 2, 3])
    ax.set_title("$\\frac{$")
    assert render.Figure(fig, "Stapeldiagram med text från data").png.startswith(b"\x89PNG")


def _tight_png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, bbox_inches="tight", metadata={"Software": None},
                pil_kwargs=render.PNG_SAVE)
    return buf.getvalue()


def _ink(png: bytes) -> np.ndarray:
    """Where a PNG is darker than near-white."""
    from matplotlib.image import imread

    return imread(io.BytesIO(png))[..., :3].min(axis=2) < 0.8


def _hanging_figure(left: float = -1.0, layout: str | None = None, align: str = "left") -> Figure:
    """Laid out by hand, drawing outside its own area: a label anchored ``left`` inches left of it, a
    legend below it."""
    fig = Figure(figsize=(4, 3), layout=layout)
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], label="linje")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2))
    fig.text(left / 4, 0.5, "UTANFÖR", fontsize=14, ha=align)
    return fig


def _on_the_figures_box() -> Figure:
    fig = Figure(figsize=(4, 3))
    fig.add_subplot().plot([0, 1], [0, 1], label="linje")
    fig.legend(loc="lower center")
    return fig


def test_a_figure_drawn_once_is_cut_where_the_tight_crop_cuts_it():
    """A figure without a layout engine is drawn once and cut to its ink (render._png_of): what it
    draws outside its own area is kept, its size is the tight crop's within the padding, and it
    shows the same ink as the tight crop, to within the anti-aliasing of a sub-pixel shift."""
    png = render.Figure(_hanging_figure(), "Linjediagram med en etikett utanför").png
    tight = _tight_png(_hanging_figure())
    (w, h), (tw, th) = _png_pixels(png), _png_pixels(tight)
    assert abs(w - tw) <= 15 and abs(h - th) <= 15, ((w, h), (tw, th))
    assert png[25] == 2  # colour type RGB: an opaque figure needs no alpha channel
    assert b"tEXt" not in png and b"iTXt" not in png and b"zTXt" not in png
    ink, ink_tight = _ink(png), _ink(tight)
    assert ink[:, :40].any()  # the label left of the figure's area is there, not cut
    assert abs(int(ink.sum()) - int(ink_tight.sum())) <= 0.03 * ink_tight.sum()
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    assert min(rows[0], cols[0], h - 1 - rows[-1], w - 1 - cols[-1]) >= 14  # the 0.1 in padding, at 150 dpi


def test_an_empty_text_far_away_does_not_stop_the_single_draw():
    """An axis's empty offset text can sit inches outside the figure: it paints nothing, so the figure
    is still drawn once (an RGB image; the tight way writes RGBA)."""
    fig = _hanging_figure()
    fig.text(-3, 0.5, "")
    fig.text(-3, 0.2, "dold", visible=False)
    assert render.Figure(fig, "Linjediagram med en tom text långt ute").png[25] == 2
    assert _tight_png(_hanging_figure())[25] == 6


@pytest.mark.parametrize("case", ["anchored past the margin", "painted up to the edge", "layout engine",
                                  "legend on the figure's box"])
def test_a_figure_the_single_draw_cannot_hold_is_saved_the_tight_way(case):
    edge = -render._MARGINS[0] + 0.05
    make = {"anchored past the margin": lambda: _hanging_figure(left=-render._MARGINS[0] - 1),
            "painted up to the edge": lambda: _hanging_figure(left=edge, align="right"),  # anchored inside
            "layout engine": lambda: _hanging_figure(layout="constrained"),
            "legend on the figure's box": _on_the_figures_box}[case]  # it would move with a larger canvas
    assert render.Figure(make(), "Linjediagram, sparat som förut").png == _tight_png(make())


@pytest.fixture(scope="module")
def year():
    from scoring.data import load_year

    return load_year(2023)


def test_plots_carry_alt_texts_with_the_numbers(year):
    from scoring import calibration, consensus, overview
    from scoring.agreement import agreement_table

    rubric = year.rubric
    classes = overview.classes_overview(year.scores, year.entries, rubric)
    f = plots.entries_per_class(classes, rubric)
    assert isinstance(f, render.Figure)
    counts = year.entries["class"].value_counts()
    expected = "; ".join(f"{rubric.class_label(c)} {counts.get(c, 0)}" for c in rubric.class_ids)
    assert f.alt == f"Stapeldiagram: antal bidrag per tävlingsklass. {expected}."

    ind = year.scores[year.scores["stage"] == "individual"]
    table = agreement_table(ind[ind["criterion"].isin(["staff", "results"])], by=("criterion",), rubric=rubric)
    f = plots.agreement_by_criterion(table, rubric, ["ICC1"])
    row = table[(table["criterion"] == "staff") & (table["coefficient"] == "ICC1")].iloc[0]
    assert (f"Medarbetare: ICC1 {render.number(row['estimate'])} ({render.number(row['ci_low'])}–"
            f"{render.number(row['ci_high'])})") in f.alt

    spread = consensus.individual_spread(year.scores)
    f = plots.spread_histogram(spread, rubric.spread_threshold)
    over = int((spread.loc[spread["n_examiners"] >= 2, "spread"] > rubric.spread_threshold).sum())
    assert f"; {over} över gränsen 30 för konsensusagendan." in f.alt
    assert over == len(consensus.consensus_agenda(year.scores, rubric))

    effects = calibration.examiner_effects(year.scores)
    f = plots.examiner_bias(effects)
    top = effects.sort_values("bias").iloc[-1]
    assert f"till {top['examiner_id']} +{render.number(top['bias'], 1)} poäng" in f.alt
    assert f"{len(effects)} examinatorer" in f.alt

    shift = consensus.consensus_shift(year.scores)
    f = plots.consensus_shift(shift, rubric)
    assert f.alt.startswith("Lådagram: konsensuspoäng minus medel")
    median = shift.loc[shift["criterion"] == "target_group", "shift"].median()
    assert f"Målgrupp median {render.number(median, 1, sign=True)} (30 bidrag)" in f.alt


def test_examiner_codes_with_markup_or_math_in_the_bias_plot():
    effects = pd.DataFrame({"examiner_id": ["$x^{$", "<script>"], "bias": [-1.0, 2.0], "ci_low": [-3.0, 1.0],
                            "ci_high": [1.0, 3.0]})
    f = plots.examiner_bias(effects)
    assert f.png.startswith(b"\x89PNG")
    assert "från $x^{$ −1,0 till <script> +2,0 poäng; 1 med intervall helt över 0" in f.alt


def test_every_note_a_statistic_gives_has_swedish_words():
    """Each Note("code", ...) written anywhere in the package has its words in NOTES_SV, with
    every placeholder filled by the note's values."""
    import ast
    import string
    from pathlib import Path

    import scoring
    from scoring.notes import Note
    from scoring.presentation.labels import NOTES_SV, note_text

    found = {}
    for path in Path(scoring.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Note" and node.args
                    and isinstance(node.args[0], ast.Constant)):
                code = node.args[0].value
                keys = [k.value for k in node.args[1].keys] if len(node.args) > 1 else []
                found[code] = keys
    from scoring.agreement import NOTES as AGREEMENT_NOTES

    assert len(found) >= 20 and set(found) <= set(NOTES_SV) and set(AGREEMENT_NOTES) <= set(NOTES_SV)
    for code, keys in found.items():
        fields = {f for _, f, _, _ in string.Formatter().parse(NOTES_SV[code]) if f}
        assert fields == set(keys), code
        assert "{" not in note_text(Note(code, dict.fromkeys(keys, (1, 2))))
    assert note_text((Note("not_eligible"), Note("one_examiner"))) == (
        "budget inte i balans: kan inte vinna; en examinator: osäkerheten kan inte skattas")
    assert note_text(Note("criteria_missing", {"criteria": ("target_group",)}), RUBRIC).startswith(
        f"saknar poäng för {RUBRIC.criterion_label('target_group')}:")


def test_every_coefficient_of_the_table_has_its_swedish_name():
    """Registering a coefficient (scoring/agreement/table.py) puts it in the table and, with
    ``reported=True``, in the calibration report; its Swedish name is the one other thing it needs
    (the ICC forms keep their international names)."""
    from scoring.agreement import COEFFICIENTS, REPORTED
    from scoring.agreement.icc import FORMS

    assert set(COEFFICIENTS) - set(FORMS) <= set(labels.COEFFICIENTS_SV)
    assert REPORTED == ("ICC1", "ICC2", "alpha_interval", "gwet_ac2", "percent_within_step")
