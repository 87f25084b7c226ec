"""The calibration report's section on the year's changes to the scores, from the change log
``<year>/changes.csv`` (:mod:`scoring.data.changes`), in Swedish.

Changes to scores already in the file (corrections, scores an import with ``--replace``
changed or removed) are listed one per row: when, who (the log's ``by`` as given), why, the
entry, examiner and criterion, old → new score. Scores an import added are summed up per
import. Where ``scores.csv`` was changed outside the package, or the log is malformed, the
section says so.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd

from ...data.changes import ChangeLog, Gap, read_change_log
from ...paths import DATA_DIR
from ...presentation import render
from ...presentation.labels import COLUMNS_SV, problem, show, source_paths
from ...rubric import Rubric, load_rubric
from .lead import TABLE_MAX, compact_note

__all__ = ["score_changes", "changes_table"]

#: The log's actions in the report's words (others are shown as they are).
ACTIONS_SV = {"correct": "rättelse", "import": "import", "import --replace": "import som ersätter"}
#: Stages in the report's words.
STAGES_SV = {"individual": "individuell", "consensus": "konsensus", "site_visit": "platsbesök",
             "reference": "referens"}
#: The table's headers.
HEADERS = {"time": "När", "by": "Vem", "reason": "Varför", "action": "Ändring", "entry_id": "Bidrag",
           "examiner_id": "Examinator", "criterion": "Kriterium", "scores": "Poäng, gammal → ny"}
_SHOWN_PROBLEMS = 5


def _when(time: str) -> str:
    """An ISO time as the report writes it: ``2024-09-12 10:41`` (local time as logged)."""
    try:
        return f"{datetime.fromisoformat(time):%Y-%m-%d %H:%M}"
    except ValueError:
        return time


def _score(x: float) -> str:
    return render.number(x, 0 if pd.notna(x) and float(x) == round(float(x)) else 1)


def _criterion(row, rubric: Rubric) -> str:
    text = rubric.criterion_label(row["criterion"])
    if pd.notna(row["question"]):
        text += f", fråga {int(row['question'])}"
    if row["stage"] and row["stage"] != "individual":
        text += f" ({STAGES_SV.get(row['stage'], row['stage'])})"
    return text


def changes_table(rows: pd.DataFrame, rubric: Rubric) -> render.Table:
    """One row per change of a score already in the file (``rows``: a change log's rows):
    när, vem, varför, ändring, bidrag, examinator, kriterium and gammal → ny poäng."""
    df = pd.DataFrame({
        "time": [_when(t) for t in rows["time"]],
        "by": list(rows["by"]),
        "reason": [r or render.MISSING for r in rows["reason"]],
        "action": [ACTIONS_SV.get(a, a) for a in rows["action"]],
        "entry_id": list(rows["entry_id"]),
        "examiner_id": list(rows["examiner_id"]),
        "criterion": [_criterion(r, rubric) for _, r in rows.iterrows()],
        "scores": [f"{_score(o)} → {_score(n)}" for o, n in zip(rows["old_score"], rows["new_score"], strict=True)],
    })
    return render.Table(df, headers=HEADERS, codes=["entry_id", "examiner_id"], right=["scores"])


def _added(rows: pd.DataFrame) -> render.Block | None:
    """Scores imports added, one line per import and workbook."""
    if rows.empty:
        return None
    items = []
    for (time, by, source, examiner), g in rows.groupby(["time", "by", "source", "examiner_id"], sort=False):
        items.append(render.text("{when}, {by}: {n} nya poäng från {source} ({examiner})", when=_when(time), by=by,
                                 n=len(g), source=render.code(source), examiner=render.code(examiner)))
    return render.group(render.paragraph("Nya poäng från import:"), render.bullets(items))


def _gap(gap: Gap, scores: str) -> render.Block:
    if gap.kind == "interrupted":
        return render.paragraph("Ändringen {when} ({action}) skrevs i ändringsloggen men kom aldrig in i {file}: "
                                "körningen avbröts innan filen skrevs.", css="warning", when=_when(gap.time),
                                action=ACTIONS_SV.get(gap.action, gap.action), file=source_paths(scores))
    if gap.kind == "missing":
        return render.paragraph("{file} saknas, fast ändringsloggen har ändringar till och med {when}.",
                                css="warning", file=source_paths(scores), when=_when(gap.time))
    if gap.next_time is None:
        return render.paragraph("{file} har ändrats utanför scoring (import och rättelse) efter {when}: filens "
                                "kontrollsumma stämmer inte med ändringsloggens sista rad. Den ändringen finns inte "
                                "med här.", css="warning", file=source_paths(scores), when=_when(gap.time))
    return render.paragraph("{file} ändrades utanför scoring (import och rättelse) mellan {when} och {next}. Den "
                            "ändringen finns inte med här.", css="warning", file=source_paths(scores),
                            when=_when(gap.time), next=_when(gap.next_time))


def _section(log: ChangeLog | None, rubric: Rubric) -> render.Block:
    if log is None or (log.rows.empty and log.ok):
        return render.paragraph("Inga ändringar registrerade.")
    blocks: list[render.Block | None] = []
    scores = str(log.path.with_name("scores.csv"))
    if not log.ok:
        errors = [p for p in log.problems if p.is_error]
        blocks.append(render.paragraph("Ändringsloggen {file} har fel, och rader med fel visas inte här. Rätta "
                                       "loggen (scoring validate visar alla fel):", css="warning",
                                       file=source_paths(str(log.path))))
        blocks.append(render.bullets([problem(p) for p in errors[:_SHOWN_PROBLEMS]]
                                     + ([f"… och {len(errors) - _SHOWN_PROBLEMS} till"]
                                        if len(errors) > _SHOWN_PROBLEMS else [])))
    rows = log.rows
    existing = rows[rows["old_score"].notna()]
    added = rows[rows["old_score"].isna()]
    if not rows.empty:
        corrections = int((existing["action"] == "correct").sum())
        counts = ((corrections, "rättelse", "rättelser"),
                  (len(existing) - corrections, "ändrad eller borttagen poäng vid import som ersätter",
                   "ändrade eller borttagna poäng vid import som ersätter"),
                  (len(added), "ny poäng från import", "nya poäng från import"))
        parts = [render.text("{n} " + (one if n == 1 else many), n=n) for n, one, many in counts if n]
        blocks.append(render.paragraph("Enligt ändringsloggen {file}: {parts}.", file=source_paths(str(log.path)),
                                       parts=render.join(parts, " och ")))
    blocks += [_gap(g, scores) for g in log.gaps]
    if not existing.empty:
        blocks.append(changes_table(existing, rubric))
    blocks.append(_added(added))
    return render.group(*blocks)


def score_changes(year: int, data_dir: str | Path | None = None, rubric: Rubric | None = None) -> render.Block:
    """The year's changes to its scores, from ``<data_dir>/<year>/changes.csv``: a sentence,
    a table of the changed scores, the imports that added scores, and a warning where
    ``scores.csv`` was changed outside the package or the log has errors; "Inga ändringar
    registrerade." without a log or with an empty one."""
    data_dir = Path(data_dir) if data_dir is not None else DATA_DIR
    rubric = rubric if rubric is not None else load_rubric(year=year, data_dir=data_dir)
    return _section(read_change_log(data_dir / str(int(year))), rubric)


def consensus_checklist(yd) -> render.Block:
    """The award office's checklist before the letters go out: the consensus texts (strengths,
    areas for development) missing per entry and criterion, and the entries without a consensus,
    which get no letter (:mod:`scoring.kinds.entry.checklist`)."""
    from ..entry.checklist import missing_texts, without_consensus

    missing = missing_texts(yd)
    none = without_consensus(yd)
    blocks = []
    if missing.empty:
        blocks.append(render.paragraph("Alla bidrag med konsensus har styrkor och utvecklingsområden för varje "
                                       "kriterium."))
    else:
        shown = missing.iloc[:TABLE_MAX]
        table = shown.assign(missing=[COLUMNS_SV[m] for m in shown["missing"]])
        blocks.append(render.paragraph("{n} konsensustexter saknas; be lagen komplettera innan "
                                       "återföringsrapporterna skickas:", n=len(missing)))
        if len(missing) > TABLE_MAX:  # a national year: how many per criterion first, then the first rows
            blocks.append(_missing_by_criterion(missing, yd.rubric))
        blocks.append(show(table, yd.rubric))
        blocks.append(compact_note(len(shown), len(missing), "saknade texter",
                                   "De visade är de första i bidragsordning; hur många som saknas per kriterium "
                                   "står i tabellen ovan."))
    if none:
        ids = [render.code(e) for e in none[:TABLE_MAX]]
        if len(none) > TABLE_MAX:
            ids.append(render.text("och {n} till", n=len(none) - TABLE_MAX))
        blocks.append(render.paragraph("Ingen återföringsrapport skrivs för {ids}: bidraget har ingen "
                                       "konsensuspoäng.", ids=render.join(ids)))
    return render.group(*blocks)


def _missing_by_criterion(missing: pd.DataFrame, rubric: Rubric) -> render.Table:
    """Per criterion: how many entries lack strengths and how many lack areas for development."""
    counts = pd.crosstab(missing["criterion"], missing["missing"])
    counts = counts.reindex(index=[c for c in rubric.criterion_ids if c in counts.index],
                            columns=["strengths", "improvements"], fill_value=0)
    df = pd.DataFrame({"criterion": [rubric.criterion_label(c) for c in counts.index],
                       "strengths": counts["strengths"].to_numpy(), "improvements": counts["improvements"].to_numpy()})
    return render.Table(df, headers={"criterion": COLUMNS_SV["criterion"],
                                     "strengths": f"Bidrag utan {COLUMNS_SV['strengths'].lower()}",
                                     "improvements": f"Bidrag utan {COLUMNS_SV['improvements'].lower()}"},
                        caption="Saknade konsensustexter per kriterium")
