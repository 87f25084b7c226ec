"""Examiner training sessions: the reference scores, the trainees' hand-ins and the tables
the trainer's notebook shows.

A session is a folder ``<data_dir>/<year>/training/<session>/`` holding ``reference.csv``
(the agreed scores of the training case(s), stage ``reference``) and what the trainees
hand in: their filled training scorebooks (``*.xlsx``, made with ``scoring template
--session``) or CSV files of their scores (same columns as ``scores.csv``, stage
``individual``). Dropping a workbook into the folder is how a trainee hands in; a file
with any error is listed with its problems and left out, and never stops anything.
Trainees appear under their codes only; training scores never enter ``scores.csv``.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ...cache import cache_key
from ...calibration.accuracy import reference_accuracy
from ...data import SCORE_INPUT_COLUMNS, criterion_scores, read_scores, scores_frame, sessions_dir
from ...paths import DATA_DIR
from ...problems import InputError, Problem, display_path
from ...rubric import Rubric, load_rubric

__all__ = [
    "MIN_GROUP",
    "REFERENCE_FILE",
    "HandIn",
    "TraineeFeedback",
    "TrainingSession",
    "available_sessions",
    "check_session",
    "discussion_list",
    "hand_in_table",
    "load_session",
    "misunderstanding_list",
    "sessions_dir",
    "trainee_accuracy",
    "trainee_against_group",
    "trainee_codes",
    "trainee_feedback",
]

#: The session's reference scores.
REFERENCE_FILE = "reference.csv"
#: Spreadsheet files that are not read (the message says what to do).
_OTHER_SHEETS = (".xls", ".xlsm", ".ods", ".numbers", ".xlsb")
#: A trainee's own page shows the group's mean and spread on a case and criterion only when
#: at least this many trainees scored it: with fewer, the others' scores could be worked out
#: from the mean, the spread and one's own score.
MIN_GROUP = 5


def available_sessions(year: int | str, data_dir: str | Path | None = None) -> list[str]:
    """The year's training sessions: folders of ``training/`` holding a ``reference.csv``, sorted."""
    folder = sessions_dir(year, data_dir)
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and (p / REFERENCE_FILE).is_file())


def trainee_codes(data_dir: str | Path | None = None) -> set[str]:
    """Every trainee code handed in to any session of any year, accepted or not.

    Everyone a trainee's page must not name besides the trainee (workbooks included, whose
    codes are in no CSV file). Sessions that cannot be read are skipped.
    """
    data_dir = Path(data_dir) if data_dir is not None else DATA_DIR
    codes: set[str] = set()
    for year_dir in sorted(data_dir.iterdir()) if data_dir.is_dir() else ():
        if not (year_dir.is_dir() and year_dir.name.isdigit()):
            continue
        for session in available_sessions(year_dir.name, data_dir):
            try:
                s = load_session(year_dir.name, session, data_dir)
            except InputError:
                continue
            codes.update(c for h in s.hand_ins for c in h.codes)
    return codes


@dataclass
class HandIn:
    """One file a trainee (or the trainer) put in the session folder.

    ``codes``: the trainee codes in it; ``n_scores``: criterion- or question-level rows
    read; ``accepted``: False when it has any error (then nothing of it is used).
    """

    file: str
    kind: str
    codes: tuple[str, ...] = ()
    n_scores: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return not any(p.is_error for p in self.problems)


@dataclass
class TrainingSession:
    """A training session as read.

    Attributes
    ----------
    year, name : the award year and the session (its folder's name).
    folder : the session folder.
    rubric : the year's rubric.
    reference : criterion-level reference scores (``entry_id, criterion, score``).
    scores : criterion-level scores of the accepted hand-ins (``examiner_id`` is the
        trainee's code), as :func:`scoring.data.criterion_scores` gives them.
    hand_ins : every file read, accepted or not, in file-name order.
    """

    year: int
    name: str
    folder: Path
    rubric: Rubric
    reference: pd.DataFrame
    scores: pd.DataFrame
    hand_ins: list[HandIn]

    @property
    def trainees(self) -> list[str]:
        return sorted(self.scores["examiner_id"].unique())

    @property
    def cases(self) -> list[str]:
        return list(dict.fromkeys(self.reference["entry_id"]))

    @property
    def problems(self) -> list[Problem]:
        return [p for h in self.hand_ins for p in h.problems]


def load_session(year: int | str, session: str, data_dir: str | Path | None = None) -> TrainingSession:
    """Read a training session: the reference and every hand-in.

    Parameters
    ----------
    year : the award year.
    session : the session's folder name in ``<data_dir>/<year>/training/``.
    data_dir : default the project's ``data/``.

    Returns
    -------
    TrainingSession
        Hand-ins with errors are in ``hand_ins`` with their problems and left out of
        ``scores``. Workbooks already read in this process are not read again unless the
        file changed (see :func:`_workbook_cached`): re-running the trainer's notebook, or
        making every trainee's page in one kernel, reads each workbook once.

    Raises
    ------
    InputError
        When the session cannot be used at all: no such folder, or no usable
        ``reference.csv``.
    """
    data_dir = Path(data_dir) if data_dir is not None else DATA_DIR
    folder = sessions_dir(year, data_dir) / session
    session_, problems = _read(folder, int(year), data_dir)
    if session_ is None:
        raise InputError(problems)
    return session_


def check_session(folder: str | Path) -> list[Problem]:
    """Every problem of a session folder (``<data_dir>/<year>/training/<session>/``), as
    ``scoring validate`` reports them; never raises on bad input."""
    folder = Path(folder)
    year_dir = folder.parent.parent
    try:
        year = int(year_dir.name)
    except ValueError:
        return [Problem(display_path(folder), None, None,
                        "a training session lives in <data>/<year>/training/<session>/")]
    session, problems = _read(folder, year, year_dir.parent)
    return problems if session is None else session.problems + problems


def _read(folder: Path, year: int, data_dir: Path) -> tuple[TrainingSession | None, list[Problem]]:
    where = display_path(folder)
    if not folder.is_dir():
        return None, [Problem(where, None, None, "no such training session (folder not found)")]
    try:
        rubric = load_rubric(year=year, data_dir=data_dir)
    except InputError as e:
        return None, list(e.problems)
    reference, problems = _reference(folder / REFERENCE_FILE, rubric, year)
    if reference is None:
        return None, problems
    cases = set(reference["entry_id"])

    hand_ins: list[HandIn] = []
    raw: dict[str, pd.DataFrame] = {}
    for path in sorted(folder.iterdir(), key=lambda p: p.name.casefold()):
        name = path.name
        if not path.is_file() or name.startswith((".", "~$")) or name == REFERENCE_FILE:
            continue  # hidden files and the lock files Excel and LibreOffice keep while a file is open
        suffix = path.suffix.casefold()
        if suffix == ".xlsx":
            h, df = _workbook_cached(path, year, folder.name, data_dir, rubric, cases)
        elif suffix == ".csv":
            h, df = _csv(path, year, rubric, cases)
        elif suffix in _OTHER_SHEETS:
            h, df = HandIn(display_path(path), "other", problems=[Problem(
                display_path(path), None, None, "not read: save it as an Excel workbook (.xlsx)")]), None
        else:
            continue
        hand_ins.append(h)
        if df is not None:
            raw[h.file] = df

    # a code handed in twice (two files) is ambiguous: both are left out
    owners: dict[str, list[HandIn]] = {}
    for h in hand_ins:
        if h.accepted:
            for c in h.codes:
                owners.setdefault(c, []).append(h)
    for code, hs in owners.items():
        if len(hs) > 1:
            for h in hs:
                others = ", ".join(Path(o.file).name for o in hs if o is not h)
                h.problems.append(Problem(h.file, None, None, f"code {code} is also in {others}; remove the file "
                                                              "that is not theirs (both are left out until then)"))
    used = [raw[h.file] for h in hand_ins if h.accepted and h.file in raw]
    columns = list(SCORE_INPUT_COLUMNS)
    scores = pd.concat([d[columns] for d in used], ignore_index=True) if used else scores_frame([], located_by=())
    scores = criterion_scores(scores, rubric)
    return TrainingSession(year, folder.name, folder, rubric, reference, scores, hand_ins), problems


def _reference(path: Path, rubric: Rubric, year: int) -> tuple[pd.DataFrame | None, list[Problem]]:
    where = display_path(path)
    if not path.is_file():
        return None, [Problem(where, None, None, "file not found: a training session needs the reference scores "
                                                 "of its training case(s) in reference.csv")]
    ref, problems = read_scores(path, rubric, year=year)
    other = ref[ref["stage"] != "reference"]
    for _, r in other.iterrows():
        problems.append(Problem(where, int(r["line"]), "stage", f"stage '{r['stage']}': reference.csv holds only the "
                                                                "agreed scores (stage reference); trainees' scores "
                                                                "go in their own files"))
    if any(p.is_error for p in problems):
        return None, problems
    if ref.empty:
        return None, problems + [Problem(where, None, None, "no reference scores")]
    rolled = criterion_scores(ref, rubric)
    return rolled[["entry_id", "criterion", "score"]].reset_index(drop=True), problems


def _workbook_cached(path: Path, year, session, data_dir, rubric, cases) -> tuple[HandIn, pd.DataFrame | None]:
    """:func:`_workbook`, read again only when the file changed.

    Opening a workbook with openpyxl takes about 0.1 s, most of the time a session takes
    to load. Keyed by :func:`scoring.cache.cache_key` over the file's bytes (and everything
    else the result depends on: messages name files relative to the working directory), a
    re-run of the trainer's notebook after one more hand-in reads only the new workbook, and
    the trainees' pages made one after another in one kernel read the session's workbooks
    once. Callers get copies: nothing they change reaches the cache.
    """
    key = cache_key(path.resolve(), os.getcwd(), int(year), session, Path(data_dir).resolve(), hash(rubric),
                    sorted(cases), files=[path])
    if key not in _WORKBOOKS:
        if len(_WORKBOOKS) >= 1024:
            _WORKBOOKS.clear()
        _WORKBOOKS[key] = _workbook(path, year, session, Path(data_dir), rubric, frozenset(cases))
    h, df = _WORKBOOKS[key]
    return replace(h, problems=list(h.problems)), (df.copy() if df is not None else None)


#: Workbooks read in this process, by :func:`scoring.cache.cache_key`.
_WORKBOOKS: dict[str, tuple[HandIn, pd.DataFrame | None]] = {}


def _workbook(path: Path, year, session, data_dir, rubric, cases) -> tuple[HandIn, pd.DataFrame | None]:
    from ...scorebook import read_scorebook  # the scorebook reader is only needed when there are workbooks

    where = display_path(path)
    book = read_scorebook(path, year=year, data_dir=data_dir, rubric=rubric)
    h = HandIn(where, "workbook", (book.examiner_id,) if book.examiner_id else (), len(book.scores),
               list(book.problems))
    if book.kind is not None and book.kind != "training":
        h.problems.append(Problem(where, None, None, "an examiner's award scorebook, not a training scorebook: "
                                                     "read it in with `scoring import`"))
    if not h.accepted:
        return h, None
    if book.session != session:
        h.problems.append(Problem(where, None, None, f"made for session '{book.session}', read here as part of "
                                                     f"'{session}'", "note"))
    for _, r in book.scores.loc[~book.scores["entry_id"].isin(cases)].drop_duplicates("entry_id").iterrows():
        h.problems.append(Problem(where, None, None, f"training case '{r['entry_id']}' is not in "
                                                     f"{REFERENCE_FILE}", sheet=r["sheet"], cell=r["cell"]))
    return h, book.scores if h.accepted else None


def _csv(path: Path, year, rubric, cases) -> tuple[HandIn, pd.DataFrame | None]:
    where = display_path(path)
    df, problems = read_scores(path, rubric, year=year)
    for _, r in df.loc[df["stage"] != "individual"].iterrows():
        problems.append(Problem(where, int(r["line"]), "stage", f"stage '{r['stage']}': a trainee's file holds "
                                                                "individual scores only (the reference goes in "
                                                                f"{REFERENCE_FILE})"))
    for _, r in df.loc[~df["entry_id"].isin(cases)].drop_duplicates("entry_id").iterrows():
        problems.append(Problem(where, int(r["line"]), "entry_id", f"training case '{r['entry_id']}' is not in "
                                                                   f"{REFERENCE_FILE}"))
    h = HandIn(where, "csv", tuple(sorted(df["examiner_id"].unique())), len(df), problems)
    return h, df if h.accepted else None


# --------------------------------------------------------------------------- tables


def _order(df: pd.DataFrame, rubric: Rubric) -> pd.Series:
    order = {c: i for i, c in enumerate(rubric.criterion_ids)}
    return df["criterion"].map(order)


def discussion_list(scores: pd.DataFrame, reference: pd.DataFrame, rubric: Rubric) -> pd.DataFrame:
    """The criteria ordered by the spread of the trainees' scores, largest first.

    Parameters
    ----------
    scores : criterion-level trainees' scores (``entry_id, examiner_id, criterion, score``).
    reference : the reference scores (``entry_id, criterion, score``).
    rubric : gives the criteria.

    Returns
    -------
    DataFrame
        One row per criterion: ``criterion``, ``n_trainees`` (who scored it), ``reference``
        (mean over the cases), ``mean`` (the group's), ``sd`` (standard deviation of the
        trainees' scores within a case, ddof=1; with several cases the root mean of the
        per-case variances), ``low``, ``high``. Criteria with fewer than two scores on
        every case have ``sd`` NaN and come last.
    """
    s = scores[scores["entry_id"].isin(set(reference["entry_id"]))]
    per_case = s.groupby(["criterion", "entry_id"])["score"].agg(var="var", n="count")
    rows = []
    for c in rubric.criterion_ids:
        g = s[s["criterion"] == c]
        ref = reference.loc[reference["criterion"] == c, "score"]
        if ref.empty:
            continue
        v = per_case.loc[c, "var"].dropna() if c in per_case.index.get_level_values(0) else pd.Series(dtype=float)
        rows.append({
            "criterion": c,
            "n_trainees": g["examiner_id"].nunique(),
            "reference": float(ref.mean()),
            "mean": float(g["score"].mean()) if len(g) else math.nan,
            "sd": float(np.sqrt(v.mean())) if len(v) else math.nan,
            "low": float(g["score"].min()) if len(g) else math.nan,
            "high": float(g["score"].max()) if len(g) else math.nan,
        })
    out = pd.DataFrame(rows, columns=["criterion", "n_trainees", "reference", "mean", "sd", "low", "high"])
    out = out.assign(_o=_order(out, rubric)).sort_values(["sd", "_o"], ascending=[False, True], na_position="last")
    return out.drop(columns="_o").reset_index(drop=True)


def misunderstanding_list(scores: pd.DataFrame, reference: pd.DataFrame, rubric: Rubric) -> pd.DataFrame:
    """The criteria ordered by how far the group's mean score lies from the reference.

    The group's mean per case and criterion is compared with the reference by
    :func:`~scoring.calibration.reference_accuracy` (``group=True, by="criterion"``).

    Returns
    -------
    DataFrame
        One row per criterion: ``criterion``, ``n_trainees``, ``reference`` and ``mean``
        (over the cases), ``difference`` (the group's mean minus the reference: its
        elevation, > 0 too generous), ``distance`` (root mean square over the cases of the
        group's mean minus the reference; with one case ``|difference|``) and
        ``within_one_step`` (share of the trainees' scores within one scale step of the
        reference). Largest distance first.
    """
    s = scores[scores["entry_id"].isin(set(reference["entry_id"]))]
    group = reference_accuracy(s, reference, by="criterion", group=True, rubric=rubric)
    each = s.merge(reference.rename(columns={"score": "ref"}), on=["entry_id", "criterion"])
    step = rubric.scale.step
    within = (each["score"] - each["ref"]).abs().le(step * (1 + 1e-9)).groupby(each["criterion"]).mean()
    base = discussion_list(scores, reference, rubric).set_index("criterion")
    out = pd.DataFrame({
        "criterion": group["criterion"],
        "n_trainees": group["criterion"].map(base["n_trainees"]).astype("int64"),
        "reference": group["criterion"].map(base["reference"]),
        "mean": group["criterion"].map(base["mean"]),
        "difference": group["elevation"],
        "distance": group["distance"],
        "within_one_step": group["criterion"].map(within),
    })
    out = out.assign(_o=_order(out, rubric)).sort_values(["distance", "_o"], ascending=[False, True],
                                                         na_position="last")
    return out.drop(columns="_o").reset_index(drop=True)


def trainee_accuracy(scores: pd.DataFrame, reference: pd.DataFrame, rubric: Rubric) -> pd.DataFrame:
    """Each trainee's accuracy against the reference (:func:`~scoring.calibration.reference_accuracy`)
    plus ``profile_error`` = sqrt(distance² − elevation²): the part of the distance that is
    not the overall level (on a complete table with one case, the stereotype accuracy). It
    is defined for incomplete tables too, so every trainee can be placed in the figure.
    """
    acc = reference_accuracy(scores, reference, rubric=rubric)
    profile = np.sqrt(np.maximum(acc["distance"] ** 2 - acc["elevation"] ** 2, 0))
    return acc.assign(profile_error=profile)


def trainee_against_group(scores: pd.DataFrame, reference: pd.DataFrame, code: str, rubric: Rubric) -> pd.DataFrame:
    """One trainee's scores against the reference and the anonymous group (for their own feedback).

    Returns
    -------
    DataFrame
        One row per case and criterion of the reference: ``entry_id``, ``criterion``,
        ``score`` (the trainee's; NaN when left blank), ``reference``, ``difference``
        (score − reference), and the group's ``mean``, ``sd`` (standard deviation, ddof=1),
        ``low``, ``high`` and ``n_trainees`` over every trainee (the trainee included). No
        other trainee's code is in it.
    """
    s = scores[scores["entry_id"].isin(set(reference["entry_id"]))]
    group = s.groupby(["entry_id", "criterion"])["score"].agg(mean="mean", sd="std", low="min", high="max")
    group["n_trainees"] = s.groupby(["entry_id", "criterion"])["examiner_id"].nunique()
    own = s[s["examiner_id"] == code].set_index(["entry_id", "criterion"])["score"]
    out = reference.rename(columns={"score": "reference"}).set_index(["entry_id", "criterion"])
    out = out.assign(score=own).join(group)
    out["difference"] = out["score"] - out["reference"]
    out["n_trainees"] = out["n_trainees"].fillna(0).astype("int64")
    out = out.reset_index()
    out = out.assign(_o=_order(out, rubric)).sort_values(["entry_id", "_o"], kind="stable").drop(columns="_o")
    return out[["entry_id", "criterion", "score", "reference", "difference", "mean", "sd", "low", "high",
                "n_trainees"]].reset_index(drop=True)


@dataclass
class TraineeFeedback:
    """What one trainee's own page shows: their scores, the reference and the anonymous group.

    Nothing in it names another trainee or gives another trainee's score: the group appears
    only as means and spreads, and only where at least :data:`MIN_GROUP` trainees scored.

    Attributes
    ----------
    year, session, code : the award year, the session's name and the trainee's code.
    rubric : the year's rubric.
    cases : the training cases, in the reference's order.
    scores : one row per case and criterion of the reference: ``entry_id``, ``criterion``,
        ``score`` (the trainee's; NaN when left blank), ``reference``, ``difference``
        (score − reference), ``group_mean``, ``group_sd`` and ``group_difference`` (group
        mean − reference) over every trainee who scored it (this one included; NaN when
        fewer than :data:`MIN_GROUP`), ``n_trainees``, ``comment`` (the trainee's own).
    criteria : one row per criterion (over the cases): ``criterion``, ``n_scores`` (cases
        the trainee scored), ``difference`` (mean of score − reference over those cases),
        ``within_one_step`` (share of them within one scale step), ``group_difference``
        (mean over the cases where it is shown; NaN when none), ``questions`` (the
        criterion's question numbers in the rubric).
    accuracy : the trainee's row of :func:`trainee_accuracy` (distance, elevation,
        stereotype accuracy, ``profile_error``, ``within_one_step``, ``note`` ...).
    group : the group's level and profile over every trainee: ``n_trainees``,
        ``elevation`` and ``elevation_sd`` (mean and standard deviation of the trainees'
        elevations), ``profile_error`` (their mean); NaN when fewer than
        :data:`MIN_GROUP` trainees.
    """

    year: int
    session: str
    code: str
    rubric: Rubric
    cases: list[str]
    scores: pd.DataFrame
    criteria: pd.DataFrame
    accuracy: pd.Series
    group: dict[str, float]

    @property
    def step(self) -> float:
        return self.rubric.scale.step


def trainee_feedback(session: TrainingSession, code: str | None = None) -> TraineeFeedback:
    """One trainee's feedback from a loaded session (see :class:`TraineeFeedback`).

    Parameters
    ----------
    session : from :func:`load_session`.
    code : the trainee's code. None or ``""``: the session's first trainee, so that the
        feedback notebook runs with its default parameters, which name nobody (a code
        there would be in every trainee's executed notebook).

    Raises
    ------
    ValueError
        When no accepted hand-in of the session carries ``code`` (or, without a code, when
        nobody has handed in yet).
    """
    if code is None or str(code).strip() == "":
        if not session.trainees:
            raise ValueError(f"nobody has handed in a scorebook in training session {session.name} "
                             f"{session.year} yet")
        code = session.trainees[0]
    code = str(code)
    if code not in session.trainees:
        raise ValueError(f"no accepted scorebook with the code {code!r} in training session {session.name} "
                         f"{session.year} (see the trainer's report for files left out)")
    rubric = session.rubric
    own = trainee_against_group(session.scores, session.reference, code, rubric)
    hidden = own["n_trainees"] < MIN_GROUP
    scores = own.drop(columns=["low", "high"]).rename(columns={"mean": "group_mean", "sd": "group_sd"})
    scores.loc[hidden, ["group_mean", "group_sd"]] = math.nan
    scores["group_difference"] = scores["group_mean"] - scores["reference"]
    mine = session.scores[session.scores["examiner_id"] == code]
    if "comment" in mine.columns:
        comments = mine.set_index(["entry_id", "criterion"])["comment"].fillna("").astype(str)
        keys = pd.MultiIndex.from_frame(scores[["entry_id", "criterion"]])
        scores["comment"] = comments.reindex(keys).fillna("").to_numpy()
    else:
        scores["comment"] = ""

    step = rubric.scale.step
    questions = {c.id: c.questions for c in rubric.criteria}
    rows = []
    for criterion, g in scores.groupby("criterion", sort=False):
        scored = g.dropna(subset=["score"])
        rows.append({
            "criterion": criterion,
            "n_scores": len(scored),
            "difference": float(scored["difference"].mean()) if len(scored) else math.nan,
            "within_one_step": float(scored["difference"].abs().le(step * (1 + 1e-9)).mean())
            if len(scored) else math.nan,
            "group_difference": float(g["group_difference"].mean()) if g["group_difference"].notna().any()
            else math.nan,
            "questions": questions.get(criterion, ()),
        })
    criteria = pd.DataFrame(rows, columns=["criterion", "n_scores", "difference", "within_one_step",
                                           "group_difference", "questions"])

    everyone = trainee_accuracy(session.scores, session.reference, rubric)
    accuracy = everyone.set_index("examiner_id").loc[code]
    n = len(everyone)
    enough = n >= MIN_GROUP
    group = {
        "n_trainees": n,
        "elevation": float(everyone["elevation"].mean()) if enough else math.nan,
        "elevation_sd": float(everyone["elevation"].std()) if enough else math.nan,
        "profile_error": float(everyone["profile_error"].mean()) if enough else math.nan,
    }
    return TraineeFeedback(int(session.year), session.name, code, rubric, session.cases, scores, criteria,
                           accuracy, group)


def hand_in_table(session: TrainingSession) -> pd.DataFrame:
    """One row per file in the session folder: ``file`` (its name), ``codes``, ``n_scores``,
    ``status`` (Swedish: "med" or "utelämnad") and ``problems`` (each on its own line)."""
    rows = [{
        "file": Path(h.file).name,
        "codes": ", ".join(h.codes),
        "n_scores": h.n_scores,
        "status": "med" if h.accepted else "utelämnad",
        "problems": "\n".join(f"{p.location}: {'note: ' if not p.is_error else ''}{p.message}"
                              if (p.sheet or p.row) else p.message for p in h.problems),
    } for h in session.hand_ins]
    return pd.DataFrame(rows, columns=["file", "codes", "n_scores", "status", "problems"])
