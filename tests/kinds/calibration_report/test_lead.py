"""The calibration report's first screen and compact tables (issue 18): the year's verdicts in
``lead`` sentences, the examiner table one line per examiner, integers as integers and shares as
per cent, the agenda grouped by class, the trend with its intervals.

Each check reads the rendered HTML and compares it with values worked out here from the
statistics' own tables (not from the functions under test).
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from html_page import Page

from scoring import calibration, consensus, overview
from scoring.agreement import agreement_table
from scoring.data import load_history, load_year
from scoring.kinds.calibration_report import lead, words
from scoring.presentation import glossary
from scoring.presentation.labels import examiner_positions, measure_level

YEAR = 2024
DECIMAL_INTEGER = re.compile(r"^\d+,0+$")  # "8,00", "5,00": a whole number printed with decimals


@pytest.fixture(scope="module")
def year():
    yd = load_year(YEAR)
    model = calibration.fit_examiner_model(yd.scores, rubric=yd.rubric)
    agreement = agreement_table(overview.individual(yd.scores), by=("criterion",), rubric=yd.rubric)
    uncertainty = calibration.decision_study_uncertainty(model=model, rubric=yd.rubric, n_boot=40, seed=1)
    agenda = consensus.consensus_agenda(yd.scores, yd.rubric, entries=yd.entries)
    return yd, model, agreement, uncertainty, agenda


def _two(x: float) -> str:
    return f"{x:.2f}".replace(".", ",")


def test_the_verdicts_are_lead_sentences_with_the_years_numbers(year):
    yd, model, agreement, uncertainty, agenda = year
    page = Page(lead.verdicts(agreement, model, agenda, yd.rubric, uncertainty).html)
    leads = [a for tag, a in page.elements if tag == "p" and "lead" in (a.get("class") or "").split()]
    assert len(leads) == 5
    text = page.text
    icc = agreement[agreement["coefficient"] == "ICC1"]["estimate"]
    ac2 = agreement[agreement["coefficient"] == "gwet_ac2"]["estimate"]
    assert f"ICC1 är {_two(icc.min())}–{_two(icc.max())} över kriterierna, svag" in text  # 0,23–0,39 in 2024
    assert f"AC2 ({_two(ac2.min())}–{_two(ac2.max())}, kvadratiska vikter)" in text  # 0,86–0,90
    # the two sentences that reconcile them
    assert "ICC mäter hur väl poängen skiljer bidragen åt, i förhållande till all variation." in text
    assert "jämfört med slumpen över hela skalan: den blir hög när alla håller sig till mitten" in text
    # the largest differences by code, signed with their intervals
    e = model.effects
    clear_high = e[e["ci_low"] > 0]
    clear_low = e[e["ci_high"] < 0]
    top, bottom = clear_high.loc[clear_high["bias"].idxmax()], clear_low.loc[clear_low["bias"].idxmin()]
    assert f"{len(clear_high)} av {len(e)} är tydligt generösare, {len(clear_low)} tydligt strängare" in text
    for r in (top, bottom):
        span = glossary.signed_interval(r["ci_low"], r["ci_high"])
        assert f"{r['examiner_id']} {glossary.signed(r['bias'])} ({span})" in text
    assert top["bias"] > 0 > bottom["bias"] and "+" in glossary.signed(top["bias"])
    # team size from the decision study's uncertainty
    t = uncertainty.summary.set_index("criterion").loc["total"]
    enough = "räcker för" if t["reliability"] >= uncertainty.target else "räcker inte för"
    assert f"medianlaget på {int(t['team_size'])} examinatorer {enough} reliabiliteten 0,8" in text
    assert f"det behövs minst {int(t['smallest_team'])} (omkörningarna: {int(t['smallest_low'])}–" in text
    # the agenda count, independently: pairs with a spread over the threshold
    spread = consensus.individual_spread(yd.scores)
    over = spread[(spread["n_examiners"] >= 2) & (spread["spread"] > yd.rubric.spread_threshold)]
    assert len(over) == 52  # the "52-row agenda"
    assert f"{len(over)} bidrag × kriterier i {over['entry_id'].nunique()} bidrag spred mer än 30 poäng" in text


def test_the_examiner_table_is_one_short_line_per_examiner(year):
    yd, model, *_ = year
    table = Page(lead.examiner_lines(model, yd.rubric).html).tables[0]
    header, rows = table[0], table[1:]
    assert len(rows) == len(model.effects) == 39
    assert header[-1] == "Tolkning" and len(header) == 7
    readings = {r[0]: r[-1] for r in rows}
    # a short note, never the full reading text
    assert all(len(n) <= 60 and "." not in n for n in readings.values()), readings
    assert not any("Skiljer sig" in n or "medbedömarna" in n for n in readings.values())
    e = model.effects.set_index("examiner_id")
    assert readings[e["bias"].idxmax()].startswith("generösast")
    assert readings[e["bias"].idxmin()].startswith("strängast")
    # consistent with the positions the examiner pages use
    positions = examiner_positions(model.effects)
    for code, r in e.iterrows():
        halo = measure_level("halo", r["halo"], position=positions[code].get("halo"), n=r["n_compared"])
        assert ("hög halo" in readings[code]) == (halo.far and halo.side == "high"), code
        side = "generös" if r["ci_low"] > 0 else "sträng" if r["ci_high"] < 0 else None
        assert (side is not None and side in readings[code]) or (side is None and not re.search(
            r"generös|sträng", readings[code])), code
    # generosity with its interval, signed, in one cell
    row = dict(zip(header, next(r for r in rows if r[0] == e["bias"].idxmin()), strict=True))
    low = e.loc[e["bias"].idxmin()]
    span = glossary.signed_interval(low["ci_low"], low["ci_high"])
    assert row[header[1]] == f"{glossary.signed(low['bias'])} ({span})"


def test_numeric_cells_do_not_break_inside_a_number_in_print():
    css = (lead.__file__.rsplit("/scoring/", 1)[0] + "/scoring/reports/style.css")
    text = open(css, encoding="utf-8").read()
    tail = text[text.rindex("@media print"):]
    assert re.search(r"td\.num\s*\{\s*overflow-wrap:\s*normal;", tail), "halo prints as '−0,0 / 4'"


def test_integers_print_as_integers_and_shares_as_per_cent(year):
    yd, model, _, uncertainty, _ = year
    classes = overview.classes_overview(yd.scores, yd.entries, yd.rubric)
    rows = Page(words.classes_table(classes, yd.rubric).html).tables[0]
    median = rows[0].index("Lag median")
    assert all(not DECIMAL_INTEGER.match(c) for r in rows[1:] for c in r), rows  # not "5,00"
    half = classes.assign(team_median=[5.5] + list(classes["team_median"].iloc[1:]))
    assert Page(words.classes_table(half, yd.rubric).html).tables[0][1][median] == "5,5"  # not "5,50"
    # the smallest team reaching 0,8: "8", not "8,00"
    study = calibration.decision_study(yd.scores, rubric=yd.rubric, model=model)
    table = Page(words.decision_table(study, yd.rubric, uncertainty).html).tables[0]
    smallest = next(r for r in table if r[0] == "Minsta lag för 0,8")
    expected = study.groupby("criterion")["smallest_team"].first()
    assert smallest[-1] == str(int(expected["total"])) and not any(DECIMAL_INTEGER.match(c) for c in smallest)
    # the count nearest consensus as a whole number ("9", not "9,12"), its share as per cent
    dom = consensus.dominance(yd.scores)
    table = Page(words.dominance_table(dom, yd.rubric).html).tables[0]
    first = dict(zip(table[0], table[1], strict=True))
    r = dom.iloc[0]
    assert first["Närmast konsensus, antal"] == str(round(r["nearest"]))
    assert first["Närmast konsensus, andel"] == f"{round(100 * r['nearest_share'])} %"
    assert first["Förväntad andel"].endswith(" %")
    # "Andel ifyllt" as per cent: E64 scored 17 of 18
    book = overview.scorebook_completeness(yd.scores, yd.rubric)
    table = Page(words.incomplete_scorebooks(book, yd.rubric).html).tables[0]
    row = dict(zip(table[0], table[1], strict=True))
    assert row["Andel ifyllt"] == f"{round(100 * 17 / 18)} %" == "94 %"


def test_the_agenda_is_grouped_by_class(year):
    yd, *_, agenda = year
    page = Page(lead.agenda_by_class(agenda, yd.rubric).html)
    counts = agenda["class"].value_counts()
    headings = [t for tag, t in page.headings if tag == "h3"]
    assert headings == [f"{yd.rubric.class_label(c)} ({counts[c]})" for c in yd.rubric.class_ids if c in counts]
    assert sum(len(t) - 1 for t in page.tables) == len(agenda) == 52
    for table in page.tables:
        assert "Klass" not in table[0]
        labels = {yd.rubric.class_label(c) for c in counts.index}
        assert not any(cell in labels for r in table[1:] for cell in r)
    # each entry's name once, on its first row
    names = [r[1] for t in page.tables for r in t[1:] if r[1]]
    assert len(names) == len(set(names)) == agenda["entry_id"].nunique()


def test_a_large_agenda_shows_the_entries_with_the_largest_spread_and_says_what_it_leaves_out(year):
    """A class with more than max_rows agenda rows (TABLE_MAX = 60; a national class has over 2,000)
    shows whole entries, the largest spread first, up to that many rows, and a note with how many
    entries it shows of how many; a class within the limit is shown whole, without a note."""
    yd, *_, agenda = year
    limit = 5
    page = Page(lead.agenda_by_class(agenda, yd.rubric, max_rows=limit).html)
    text = page.text
    order = [c for c in yd.rubric.class_ids if c in set(agenda["class"])]
    assert len(page.tables) == len(order)
    for cls, table in zip(order, page.tables, strict=True):
        part = agenda[agenda["class"] == cls]
        top = part.groupby("entry_id")["spread"].max().sort_index().sort_values(ascending=False, kind="stable")
        sizes = part["entry_id"].value_counts()
        shown, rows = [], 0
        for entry in top.index:
            if rows + sizes[entry] > limit and shown:
                break
            shown.append(entry)
            rows += sizes[entry]
        codes = [r[0] for r in table[1:]]
        assert list(dict.fromkeys(codes)) == shown and len(codes) == rows
        if len(part) > limit:
            assert (f"tabellen visar {len(shown)} av {len(top)} bidrag på agendan i klassen; övriga "
                    f"{len(top) - len(shown)} visas inte här") in text
            assert f"De visade är de med störst spridning ({rows} av klassens {len(part)} rader)." in text
    # within the limit (every city class): whole, no note
    whole = Page(lead.agenda_by_class(agenda, yd.rubric).html)
    assert sum(len(t) - 1 for t in whole.tables) == len(agenda) and "Stort år" not in whole.text


def test_positions_are_the_colleague_pools_positions():
    """examiner_positions reads each examiner's place among their colleagues from one sort per group
    and measure: the same n, median, quartiles and share below as pool_position of the pool an
    examiner's own page shows (colleague_pool, built per examiner: 1,000 examiners 1.7 s), on demo
    years and with small groups, missing values and ties."""
    from scoring.disclosure import pool_position
    from scoring.presentation.labels import colleague_pool

    def per_examiner(e):
        out = {}
        for _, row in e.iterrows():
            pool = colleague_pool(e, row["examiner_id"])
            out[row["examiner_id"]] = {m: pool_position(row[m], pool[m]) for m in pool}
        return out

    for y in (2019, 2024):
        yd = load_year(y)
        e = calibration.fit_examiner_model(yd.scores, rubric=yd.rubric).effects.copy()
        if y == 2024:
            e.loc[e.index[:3], "halo"] = float("nan")
            e.loc[e.index[5:8], "group"] = 2  # a group of three: no pool
            e.loc[e.index[10], "bias"] = e["bias"].iloc[11]
            e.loc[e.index[12:14], "range"] = e["range"].iloc[15]
        want, got = per_examiner(e), examiner_positions(e)
        assert want.keys() == got.keys()
        for code, measures in want.items():
            assert measures.keys() == got[code].keys()
            for m, pos in measures.items():
                for k in ("n", "median", "share_below"):
                    assert pos[k] == got[code][m][k] or (pd.isna(pos[k]) and pd.isna(got[code][m][k])), (code, m, k)
                for k in ("q1", "q3"):
                    assert got[code][m][k] == pytest.approx(pos[k], rel=1e-12, nan_ok=True), (code, m, k)


def test_the_trend_has_intervals():
    yd = load_year(YEAR)
    history = load_history(YEAR)
    trend = agreement_table(overview.individual(history.scores), by=("year", "criterion"), rubric=yd.rubric)
    table = Page(lead.trend_table(trend, yd.rubric, "ICC1").html).tables[0]
    years = sorted(int(y) for y in trend["year"].unique())
    assert [r[0] for r in table[1:]] == [str(y) for y in years]
    t = trend[(trend["coefficient"] == "ICC1") & (trend["year"] == YEAR)].set_index("criterion")
    row = dict(zip(table[0], table[-1], strict=True))
    for c in yd.rubric.criterion_ids:
        assert row[yd.rubric.criterion_label(c)] == (f"{_two(t.loc[c, 'estimate'])} ({_two(t.loc[c, 'ci_low'])}–"
                                                     f"{_two(t.loc[c, 'ci_high'])})")


def test_drift_prints_differences_signed_with_their_interval(year):
    yd = year[0]
    drift = calibration.examiner_drift(load_history(YEAR).scores)
    table = Page(words.drift_table(drift, YEAR, yd.rubric).html).tables[0]
    change = table[0].index(glossary.term("drift") + " (95 % intervall)")
    d = drift[(drift["year"] == YEAR) & (drift["earlier_years"] > 0)].set_index("examiner_id")
    for r in table[1:]:
        x = d.loc[r[0]]
        assert r[change] == (f"{glossary.signed(x['change'])} "
                             f"({glossary.signed_interval(x['change_low'], x['change_high'])})")
    assert not any(re.fullmatch(r"\d+,\d", r[3]) and float(r[3].replace(",", ".")) != 0 for r in table[1:])


def test_icc_words_follow_the_bands():
    assert [lead.icc_words(x) for x in (0.23, 0.45, 0.6, 0.8, 0.95)] == [
        "svag", "svag till måttlig", "måttlig", "god", "utmärkt"]


def test_no_integer_prints_with_decimals_in_the_percent_helpers():
    assert lead.percent(0.9444) == "94\u00a0%"
    assert lead.whole_or_half(5.0) == "5" and lead.whole_or_half(5.5) == "5,5"
    assert lead.percent(pd.NA) == lead.whole_or_half(float("nan")) == "–"


def test_the_entry_table_of_a_large_year_shows_where_consensus_moved_furthest(year):
    """More than max_rows entries (TABLE_MAX; a national year has 6,000): the entries with the largest
    absolute consensus shift, furthest first, and a note; within the limit the whole table in entry order."""
    yd, *_ = year
    shift = consensus.entry_shift(yd.scores, yd.rubric)
    whole = Page(words.entry_shift_table(shift, yd.rubric).html)
    assert [r[0] for r in whole.tables[0][1:]] == list(shift["entry_id"]) and "Stort år" not in whole.text
    page = Page(words.entry_shift_table(shift, yd.rubric, max_rows=7).html)
    furthest = shift.assign(a=shift["consensus_shift"].abs()).sort_values(["a", "entry_id"], ascending=[False, True])
    assert [r[0] for r in page.tables[0][1:]] == list(furthest["entry_id"].head(7))
    assert f"tabellen visar 7 av {len(shift)} bidrag; övriga {len(shift) - 7} visas inte här" in page.text
    assert "där konsensus flyttade sig längst från de individuella poängen" in page.text
