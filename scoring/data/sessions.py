"""Training sessions: reading a session folder, its reference scores and the trainees' hand-ins.

A session is a folder ``<data_dir>/<year>/training/<session>/`` holding ``reference.csv``
(the agreed scores of the training case(s), stage ``reference``) and what the trainees
hand in: their filled training scorebooks (``*.xlsx``, made with ``scoring template
--session``) or CSV files of their scores (same columns as ``scores.csv``, stage
``individual``). Dropping a workbook into the folder is how a trainee hands in; a file
with any error is listed with its problems and left out, and never stops anything.
Trainees appear under their codes only; training scores never enter ``scores.csv``. The
trainer's tables are in :mod:`scoring.kinds.training.session`.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from ..cache import cache_key, cached, folder_state
from ..paths import DATA_DIR, RUBRIC_PATH
from ..problems import InputError, Problem, display_path
from ..rubric import Rubric, load_rubric
from .scores import NOT_PEOPLE, SCORE_INPUT_COLUMNS, code_problem, criterion_scores, read_scores, scores_frame
from .tables import _YEAR
from .years import sessions_dir

__all__ = [
    "REFERENCE_FILE",
    "HandIn",
    "TrainingSession",
    "available_sessions",
    "check_session",
    "load_session",
    "trainee_codes",
]

#: The session's reference scores.
REFERENCE_FILE = "reference.csv"
#: Spreadsheet files that are not read (the message says what to do).
_OTHER_SHEETS = (".xls", ".xlsm", ".ods", ".numbers", ".xlsb")


def available_sessions(year: int | str, data_dir: str | Path | None = None) -> list[str]:
    """The year's training sessions: folders of ``training/`` holding a ``reference.csv``, sorted."""
    folder = sessions_dir(year, data_dir)
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and (p / REFERENCE_FILE).is_file())


def trainee_codes(data_dir: str | Path | None = None) -> set[str]:
    """Every trainee code handed in to any session of any year, accepted or not.

    Everyone a trainee's page must not name besides the trainee (workbooks included, whose
    codes are in no CSV file). Sessions that cannot be read are skipped. Read once per state of the
    folder's files (:func:`scoring.cache.folder_state`; every trainee's page of a run asks).
    """
    folder = Path(data_dir if data_dir is not None else DATA_DIR).resolve()
    key = cache_key(folder, folder_state(folder), files=[])
    return set(cached("trainee-codes", key, lambda: frozenset(_read_trainee_codes(folder)), frozenset))


def _read_trainee_codes(data_dir: Path) -> set[str]:
    codes: set[str] = set()
    for year_dir in sorted(data_dir.iterdir()) if data_dir.is_dir() else ():
        if not (year_dir.is_dir() and _YEAR.fullmatch(year_dir.name)):
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
    session_, problems = _read_kept(folder, int(year), data_dir)
    if session_ is None:
        raise InputError(problems)
    return session_


def _read_kept(folder: Path, year: int, data_dir: Path) -> tuple[TrainingSession | None, list[Problem]]:
    """:func:`_read`, kept in the cache per state of the session's files and the rubric's (a run reads
    a session to plan its trainees' pages, then each page reads it again: 0.1 s a workbook).
    Callers get copies: nothing they change reaches the cache."""
    if not folder.is_dir():
        return _read(folder, year, data_dir)
    rubrics = [p for p in (data_dir / "rubric.toml", data_dir / str(year) / "rubric.toml", RUBRIC_PATH) if p.is_file()]
    files = sorted(p for p in folder.rglob("*") if p.is_file()) + rubrics  # a hand-in in a folder within: a note
    try:
        # the messages name files as display_path does from the working directory: a key of their own
        key = cache_key(year, *(display_path(p) for p in (folder, data_dir, *rubrics)), files=files)
    except OSError:  # a file that cannot be read: _read says which
        return _read(folder, year, data_dir)
    return copy.deepcopy(cached("session", key, lambda: _read(folder, year, data_dir), tuple))


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
        if path.is_dir() and not name.startswith("."):
            problems += _nested(path, folder)
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


def _nested(sub: Path, folder: Path) -> list[Problem]:
    """A note per hand-in (``.xlsx`` or ``.csv``) in a folder within the session folder: not read there."""
    files = sorted((p for p in sub.rglob("*") if p.suffix.casefold() in (".xlsx", ".csv") and p.is_file()
                    and not p.name.startswith((".", "~$"))), key=lambda p: str(p).casefold())
    return [Problem(display_path(p), None, None, f"not read: a hand-in goes in the session folder "
                                                 f"{display_path(folder)}/ itself, not in a folder within it", "note")
            for p in files]


def _reference(path: Path, rubric: Rubric, year: int) -> tuple[pd.DataFrame | None, list[Problem]]:
    where = display_path(path)
    if not path.exists():
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
    from ..scorebook import read_scorebook  # the scorebook reader is only needed when there are workbooks

    where = display_path(path)
    book = read_scorebook(path, year=year, data_dir=data_dir, rubric=rubric)
    h = HandIn(where, "workbook", (book.examiner_id,) if book.examiner_id else (), len(book.scores),
               list(book.problems))
    if book.kind is not None and book.kind != "training":
        h.problems.append(Problem(where, None, None, "an examiner's award scorebook, not a training scorebook: "
                                                     "read it in with `scoring import`"))
    if book.examiner_id and (problem := code_problem(book.examiner_id, person="trainee")):
        h.problems.append(Problem(where, None, None, f"the trainee code {problem}"))
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
    for _, r in df.loc[df["examiner_id"].isin(NOT_PEOPLE)].drop_duplicates("examiner_id").iterrows():
        problems.append(Problem(where, int(r["line"]), "examiner_id",
                                f"the trainee code {code_problem(r['examiner_id'], person='trainee')}"))
    h = HandIn(where, "csv", tuple(sorted(df["examiner_id"].unique())), len(df), problems)
    return h, df if h.accepted else None
