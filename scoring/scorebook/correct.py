"""``scoring correct``: change one score of a year's ``scores.csv``, with a reason, logged.

:func:`correct_score` changes exactly one existing row, or refuses naming what is missing
(no such row, a score off the scale, a blank reason). It holds the same year lock as
``scoring import`` (:mod:`.lock`), writes ``scores.csv`` atomically in its own format (only
the row's score cell changes; every other byte stays), and appends the change to the year's
change log ``changes.csv`` first (:mod:`scoring.data.changes`).

:func:`demo_changes` makes a few plausible corrections for the demo data, already in its
``scores.csv``: the log rows, with their chain of checksums, that such corrections would
have written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from ..data.changes import CHANGE_LOG, ScoreChange, journal, log_rows, sha256_bytes, text_value, who
from ..data.scores import _STAGE_ALIASES, code_problem
from ..data.tables import _num, _parse_number, _show, column_name
from ..data.years import year_folder
from ..paths import DATA_DIR
from ..problems import InputError, Problem, display_path
from ..rubric import STAGES, Rubric, load_rubric
from .lock import IMPORT_LOCK, hold
from .scores_csv import ScoresCsv

__all__ = ["CORRECT_ACTION", "CORRECT_SOURCE", "DEMO_REASONS", "Correction", "correct_score", "demo_changes"]

#: The change log's ``action`` and ``source`` of a correction.
CORRECT_ACTION = "correct"
CORRECT_SOURCE = "scoring correct"


@dataclass(frozen=True)
class Correction:
    """What :func:`correct_score` changed: ``line`` of ``scores_file`` from ``old_score`` to
    ``new_score``, logged in ``changes_file``."""

    scores_file: Path
    changes_file: Path
    line: int
    entry_id: str
    examiner_id: str
    criterion: str
    stage: str
    question: int | None
    old_score: float
    new_score: float


def _stage(stage: str) -> str:
    key = column_name(stage or "individual")
    key = _STAGE_ALIASES.get(key, _STAGE_ALIASES.get(key.replace("_", ""), key))
    if key not in STAGES:
        raise ValueError(f"--stage '{_show(stage)}' is not a stage; use one of: {', '.join(STAGES)}")
    return key


def _score(score: float | str, rubric: Rubric) -> float:
    x = _parse_number(str(score).strip()) if isinstance(score, str) else float(score)
    scale = rubric.scale
    if x is None or x != x:
        raise ValueError(f"--score '{_show(str(score))}' is not a number")
    if not (scale.min - 1e-9 <= x <= scale.max + 1e-9):
        raise ValueError(f"--score {_num(x)} is outside the scale {_num(scale.min)}–{_num(scale.max)}")
    if not scale.on_scale(x):
        raise ValueError(f"--score {_num(x)} is not on the scale's step of {_num(scale.step)}")
    return round(float(scale.values[np.argmin(np.abs(scale.values - x))]), 9)  # the step, as the import takes it


def correct_score(
    year: int | str, *, entry: str, examiner: str, criterion: str, score: float | str, reason: str,
    question: int | None = None, stage: str = "individual", by: str | None = None,
    data_dir: str | Path | None = None,
) -> Correction:
    """Change the score of exactly one existing row of ``<data_dir>/<year>/scores.csv``.

    Parameters
    ----------
    year : the award year.
    entry, examiner : the row's ``entry_id`` and ``examiner_id`` (``TEAM`` for a team's row).
    criterion : its criterion, by id or Swedish label.
    score : the new score, on the rubric's scale (text may have a decimal comma).
    reason : why; required (the change log keeps it).
    question : the row's question, for scores given per question (default: the
        criterion-level row).
    stage : the row's stage (default ``individual``; Swedish names accepted).
    by : who makes the correction (default the login name).
    data_dir : default the project's ``data/``.

    The row is found among the file's valid rows; its score cell alone is rewritten, like
    the score it replaces. ``changes.csv`` gets one row (action ``correct``, source
    ``scoring correct``), appended before ``scores.csv`` is replaced, under the year's import
    lock.

    Returns
    -------
    Correction

    Raises
    ------
    ValueError
        Nothing changed: a blank reason or name, a score that is not on the scale, an
        unknown criterion, stage, question or code.
    InputError
        Nothing changed: no such row (naming what is missing) or more than one, the score
        already is ``score``, the year's files cannot be used, another import or correction
        holds the lock, or ``scores.csv`` changed meanwhile.
    """
    reason = text_value(reason, "--reason")
    by = who(by)
    data_dir = Path(data_dir) if data_dir is not None else DATA_DIR
    year_dir = year_folder(year, data_dir)
    year = int(year)
    rubric = load_rubric(year=year, data_dir=data_dir)
    crit = rubric.criterion(criterion)
    if crit is None:
        raise ValueError(f"--criterion '{_show(criterion)}' is not a criterion; use one of: "
                         f"{', '.join(rubric.criterion_ids)} or their Swedish labels")
    for what, code in (("--examiner", examiner), ("--entry", entry)):
        if not str(code).strip():
            raise ValueError(f"{what} is blank")
    if problem := code_problem(examiner, reserved_ok=True):
        raise ValueError(f"--examiner {problem}")
    stage = _stage(stage)
    if question is not None:
        question = int(question)
        owner = rubric.question_criterion.get(question)
        if owner != crit.id:
            where = f"belongs to {owner}" if owner else "is not in the rubric"
            raise ValueError(f"--question {question} {where}, not to {crit.id}")
    new = _score(score, rubric)

    path = year_dir / "scores.csv"
    with hold(year_dir / IMPORT_LOCK, f"a correction in {year}", done="nothing changed"):
        scores = ScoresCsv.read(path, rubric, year, done="nothing changed", doing="correcting")
        row = _the_row(scores, display_path(path), entry, examiner, crit.id, stage, question)
        old = row["score"]
        if old == new:
            raise InputError([Problem(display_path(path), row["line"], "score", f"the score already is {_num(new)}; "
                                                                                "nothing changed")])
        scores.set_score(row, new)
        change = ScoreChange(entry, examiner, crit.id, stage, old, new, question, CORRECT_SOURCE)
        scores.write(journal(year_dir / CHANGE_LOG, [change], by=by, action=CORRECT_ACTION, reason=reason))
    return Correction(path, year_dir / CHANGE_LOG, row["line"], entry, examiner, crit.id, stage, question, old, new)


def _the_row(scores: ScoresCsv, where: str, entry: str, examiner: str, criterion: str, stage: str,
             question: int | None) -> dict:
    """The one valid row of ``scores`` with these keys; else InputError naming what is missing."""

    def refuse(column: str | None, message: str):
        return InputError([Problem(where, None, column, f"{message}; nothing changed")])

    rows = [r for r in scores.records if r["entry_id"] == entry]
    if not rows:
        raise refuse("entry_id", f"no score row for entry '{_show(entry)}'")
    rows = [r for r in rows if r["examiner_id"] == examiner]
    if not rows:
        raise refuse("examiner_id", f"no score row of {examiner} for entry {entry}")
    rows = [r for r in rows if r["criterion"] == criterion]
    if not rows:
        raise refuse("criterion", f"no score of {examiner} on {criterion} for entry {entry}")
    at_stage = [r for r in rows if r["stage"] == stage]
    if not at_stage:
        have = ", ".join(dict.fromkeys(r["stage"] for r in rows))
        raise refuse("stage", f"no {stage} score of {examiner} on {criterion} for entry {entry} (its stages: {have}; "
                              "give --stage)")
    rows = [r for r in at_stage if r["question"] == question]
    if not rows:
        questions = sorted({r["question"] for r in at_stage if r["question"] is not None})
        if question is None:
            raise refuse("question", f"{examiner} scored {criterion} of entry {entry} per question "
                                     f"({', '.join(map(str, questions))}): give --question")
        have = f"questions {', '.join(map(str, questions))}" if questions else "a criterion-level score only"
        raise refuse("question", f"no score of {examiner} for question {question} of entry {entry} (it has {have})")
    if len(rows) > 1:
        lines = ", ".join(str(r["line"]) for r in rows)
        raise refuse("score", f"{len(rows)} rows (lines {lines}) hold this score of {examiner} on {criterion} for "
                              f"entry {entry}: remove the duplicate first")
    return rows[0]


# --------------------------------------------------------------------------- demo
#: Reasons of the demo's corrections (Swedish, as the award office writes them).
DEMO_REASONS = (
    "Felinmatning i protokollet, rättad efter kontroll mot examinatorns anteckningar",
    "Poängen fördes över fel från bedömningsprotokollet; rättad efter avstämning med examinatorn",
    "Examinatorn angav fel poäng i arbetsboken och har bekräftat rätt poäng per e-post",
    "Skrivfel vid inmatningen, upptäckt vid kontrolläsning inför juryns möte",
)
#: Who makes the demo's corrections: fictional logins of the award office.
DEMO_BY = ("kansliet.ku", "handlaggare.ku")


def demo_changes(rng: np.random.Generator, year: int, scores_text: str | bytes, n: int = 3, *,
                 rubric: Rubric | None = None) -> list[list[str]]:
    """A few plausible corrections already made in the demo's ``scores.csv``: its change log rows.

    Parameters
    ----------
    rng : the demo's own random stream for the log (the scores stay as they are).
    year : the award year.
    scores_text : ``scores.csv`` exactly as written (text with a BOM as a leading U+FEFF and
        encoded as UTF-8, or the bytes).
    n : how many corrections (fewer when the file has fewer individual rows).
    rubric : the year's rubric (default the project's).

    Returns
    -------
    list of rows, each a list of text in :data:`scoring.data.changes.CHANGE_LOG_COLUMNS`
    order, oldest first, ready for ``csv.writer`` (or
    :func:`scoring.data.changes.changes_text`). Each says old → new, where new is the score
    now in the file; the checksums chain: the file before the first correction is the text
    with every old score put back (as ``scoring correct`` would have changed it), each row's
    ``scores_sha256_after`` is the next row's ``scores_sha256_before``, and the last one is the
    SHA-256 of ``scores_text``. Pure: reads and writes nothing (but the default rubric).
    """
    text = scores_text.decode("utf-8") if isinstance(scores_text, bytes) else scores_text
    rubric = rubric if rubric is not None else load_rubric()
    scale = rubric.scale
    final = ScoresCsv.parse(text, rubric, year)
    candidates = [r for r in final.records if r["stage"] == "individual"]
    picked = [candidates[i] for i in sorted(rng.choice(len(candidates), size=min(n, len(candidates)),
                                                        replace=False))] if candidates else []
    steps = scale.values
    olds = []
    for r in picked:
        k = int(np.argmin(np.abs(steps - r["score"])))
        options = [steps[j] for j in (k - 2, k - 1, k + 1, k + 2) if 0 <= j < len(steps)]
        olds.append(float(options[int(rng.integers(len(options)))]))
    # the files before each correction: every later correction's old score put back
    texts = [text]
    for r, old in zip(reversed(picked), reversed(olds), strict=True):
        earlier = ScoresCsv.parse(texts[0], rubric, year)
        row = next(x for x in earlier.records if x["line"] == r["line"])
        earlier.set_score(row, old)
        texts.insert(0, ("\ufeff" if earlier.bom else "") + earlier.text())
    sums = [sha256_bytes(t.encode("utf-8")) for t in texts]
    start = datetime.fromisoformat(f"{year}-09-02T09:00:00+02:00")  # after the consensus meetings
    days = sorted(int(d) for d in rng.choice(np.arange(0, 26), size=len(picked), replace=False))
    rows = []
    for i, (r, old) in enumerate(zip(picked, olds, strict=True)):
        when = start + timedelta(days=days[i], minutes=int(rng.integers(0, 8 * 60)))
        change = ScoreChange(r["entry_id"], r["examiner_id"], r["criterion"], r["stage"], old, r["score"],
                             r["question"], CORRECT_SOURCE)
        rows += log_rows([change], by=str(rng.choice(DEMO_BY)), action=CORRECT_ACTION,
                         reason=str(rng.choice(DEMO_REASONS)), before=sums[i], after=sums[i + 1],
                         time=when.isoformat(timespec="seconds"))
    return rows
