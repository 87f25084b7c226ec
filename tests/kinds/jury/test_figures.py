"""The jury pack's figure: one panel per entry whose title (place, code, name) wraps to the panel's
width and never runs into a neighbouring panel's title (issue 17: "Skarpnäck (fiktiv)" ran into
"Daglig verksamhet Rönnhagen"). Checked on the drawn matplotlib layout with 60-character names,
in the two- and the three-column layout, at the screen's and the PNG's resolution."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from scoring.kinds.jury import figures
from scoring.rubric import load_rubric

RUBRIC = load_rubric()

#: Names of exactly 60 characters: many short words, a few long ones, one word wider than a panel.
_NAMES = [
    "Daglig verksamhet Rönnhagen, Skarpnäcks stadsdelsförvaltning",
    "Förskoleenheten Vasslunden med avdelningarna Humlan och Myran",
    "Administrativa enheten för ekonomi och personal, Farsta (fiktiv)",
    "Socialpsykiatriskaboendestödsverksamhetensutvecklingsenheten",
    "Biblioteket Strandholmen och Stadsdelsbiblioteken i Skarpnäck",
    "Lokalvården Mosvik, Tallnäs och Vassängen i Hägersten-Älvsjö",
    "Hemtjänsten i Bromma, Västerort och Kungsholmen, enhet norr 2",
    "Vassdalsskolan, grundsärskola, fritidshem och fritidsklubb 7B",
    "Äldreboendet Solhemmet med dagverksamhet och korttidsboende A",
    "Familjebehandlarteamet, Barn och unga, Rinkeby-Kista (fiktiv)",
    "Förskolan Regnbågen, Förskolan Solrosen och Förskolan Humlan",
    "Stöd och service till personer med funktionsnedsättning, Enh",
]
NAMES = [n[:60].rstrip() + "x" * (60 - len(n[:60].rstrip())) for n in _NAMES]
assert all(len(n) == 60 for n in NAMES), [len(n) for n in NAMES]


def _pack(n: int, *, names: bool = True, cannot_win: tuple[int, ...] = ()) -> SimpleNamespace:
    """A class of ``n`` entries as the figure reads a JuryPack (ranking, cells, names, rubric)."""
    ids = [f"2024-{i + 10:02d}" for i in range(n)]
    rng = np.random.default_rng(n)
    cells = pd.DataFrame([{"entry_id": e, "criterion": c, "adjusted": float(rng.uniform(20, 90))}
                          for e in ids for c in RUBRIC.criterion_ids])
    eligible = [i not in cannot_win for i in range(n)]
    rank, k = [], 0
    for ok in eligible:
        k += ok
        rank.append(k if ok else 1)
    ranking = pd.DataFrame({"entry_id": ids, "rank": rank, "eligible": eligible})
    return SimpleNamespace(rubric=RUBRIC, cells=cells, ranking=ranking,
                           names=dict(zip(ids, NAMES, strict=False)) if names else {})


def _titles(fig: Figure, dpi: int):
    """The panels' title texts and their boxes, drawn at ``dpi``, and the renderer."""
    fig.set_dpi(dpi)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    ax = fig.axes[0]
    titles = sorted((t for t in ax.texts if (t.get_gid() or "").startswith("title-")),
                    key=lambda t: int(t.get_gid().split("-")[1]))
    return ax, titles, [t.get_window_extent(renderer) for t in titles], renderer


def _overlaps(boxes) -> list[tuple[int, int]]:
    return [(i, j) for i, a in enumerate(boxes) for j, b in enumerate(boxes) if i < j and a.overlaps(b)]


def test_the_check_sees_titles_that_run_into_each_other():
    """The check can fail: two long titles side by side, unwrapped, are caught."""
    fig = Figure(figsize=(4, 2))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 2)
    for k, x in enumerate((0, 1)):
        ax.text(x, 0.5, NAMES[k], fontsize="small", gid=f"title-{k}")
    _, _, boxes, _ = _titles(fig, 100)
    assert _overlaps(boxes) == [(0, 1)]


@pytest.mark.parametrize("n", [2, 5, 8, 9, 12])  # two columns up to 8 entries, three from 9
@pytest.mark.parametrize("dpi", [100, 150])  # the page's and the PNG's resolution
def test_titles_wrap_to_their_panel_and_never_overlap(n, dpi):
    pack = _pack(n, cannot_win=(1,) if n > 2 else ())
    fig = figures.criterion_profiles(pack).figure
    ax, titles, boxes, renderer = _titles(fig, dpi)
    assert len(titles) == n
    assert _overlaps(boxes) == []
    ncols = 2 if n <= 8 else 3
    span = float(RUBRIC.scale.max - RUBRIC.scale.min)
    for k, (t, box) in enumerate(zip(titles, boxes, strict=True)):
        x0 = (k % ncols) * (1 + figures.GAP) * span  # the panel's left edge
        left, right = ax.transData.transform([(x0, 0), (x0 + span, 0)])[:, 0]
        assert left - 1 <= box.x0 and box.x1 <= right + 1, f"title {k} leaves its panel: {t.get_text()!r}"
        assert len(t.get_text().split("\n")) <= 2 + figures.TITLE_LINES
    others = [t.get_window_extent(renderer) for t in ax.texts if t not in titles and t.get_text().strip()]
    assert not [(k, o.bounds) for k, b in enumerate(boxes) for o in others if b.overlaps(o)]


def test_a_long_name_keeps_its_beginning_and_ends_in_an_ellipsis_when_cut():
    pack = _pack(12)
    fig = figures.criterion_profiles(pack).figure
    _, titles, _, _ = _titles(fig, 100)
    first = titles[0].get_text().split("\n")
    assert first[0] == "1. 2024-10"
    assert first[1].startswith("Daglig verksamhet")
    cut = [t.get_text() for t in titles if t.get_text().endswith("…")]
    assert cut  # in three columns a 60-character name does not fit two lines
    unwrapped = [t.get_text().replace("\n", " ").replace("…", "") for t in titles]
    for k, text in enumerate(unwrapped):  # what is shown is the name's beginning, in order
        shown = text.split(" ", 2)[2]
        assert NAMES[k].replace(" ", "").startswith(shown.replace(" ", "")), (NAMES[k], shown)


def test_an_entry_that_cannot_win_is_titled_so_without_a_place():
    pack = _pack(4, cannot_win=(3,))
    _, titles, _, _ = _titles(figures.criterion_profiles(pack).figure, 100)
    assert titles[3].get_text().startswith("2024-13 – kan inte vinna")
    assert [t.get_text().split("\n")[0] for t in titles[:3]] == ["1. 2024-10", "2. 2024-11", "3. 2024-12"]


def test_a_blind_pack_titles_codes_only():
    pack = _pack(9, names=False)
    _, titles, boxes, _ = _titles(figures.criterion_profiles(pack).figure, 150)
    assert [t.get_text() for t in titles] == [f"{k + 1}. 2024-{k + 10}" for k in range(9)]
    assert _overlaps(boxes) == []


def test_wrap_breaks_between_words_and_inside_a_word_only_when_it_must():
    fits = lambda line: len(line) <= 10  # noqa: E731  (a width of 10 characters)
    assert figures._wrap("Förskolan Solrosen i Bromma", fits, 3) == ["Förskolan", "Solrosen i", "Bromma"]
    assert figures._wrap("Förskolan Solrosen i Bromma", fits, 2) == ["Förskolan", "Solrosen…"]
    assert figures._wrap("Socialpsykiatrin", fits, 3) == ["Socialpsyk", "iatrin"]
    assert figures._wrap("", fits, 2) == []
