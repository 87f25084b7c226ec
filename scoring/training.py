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
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .calibration.accuracy import reference_accuracy
from .data import _empty_scores, criterion_scores, read_scores
from .paths import DATA_DIR
from .problems import InputError, Problem, display_path
from .rubric import Rubric, load_rubric

__all__ = [
    "REFERENCE_FILE",
    "HandIn",
    "TrainingSession",
    "available_sessions",
    "check_session",
    "discussion_list",
    "hand_in_table",
    "labelled",
    "load_session",
    "misunderstanding_list",
    "sessions_dir",
    "summary",
    "trainee_accuracy",
    "trainee_against_group",
]

#: The session's reference scores.
REFERENCE_FILE = "reference.csv"
#: Spreadsheet files that are not read (the message says what to do).
_OTHER_SHEETS = (".xls", ".xlsm", ".ods", ".numbers", ".xlsb")

#: Swedish headers for the columns the training tables add (the rest come from
#: ``scoring.labels``).
COLUMNS_SV = {
    "examiner_id": "Deltagare",
    "reference": "Referens",
    "sd": "Spridning (standardavvikelse)",
    "n_trainees": "Antal deltagare",
    "difference": "Gruppens medel − referens",
    "distance": "Avstånd till referens",
    "elevation": "Nivå (medel − referens)",
    "differential_elevation": "Differentiell nivå",
    "stereotype_accuracy": "Profil över kriterier",
    "differential_accuracy": "Differentiell profil",
    "profile_error": "Profilfel",
    "within_one_step": "Andel inom ett steg",
    "n_reference": "Antal referenspoäng",
    "note": "Anmärkning",
    "file": "Fil",
    "codes": "Kod",
    "status": "Status",
    "problems": "Problem",
}


def sessions_dir(year: int | str, data_dir: str | Path | None = None) -> Path:
    """``<data_dir>/<year>/training/``, where a year's training sessions live."""
    return Path(data_dir if data_dir is not None else DATA_DIR) / str(year) / "training"


def available_sessions(year: int | str, data_dir: str | Path | None = None) -> list[str]:
    """The year's training sessions: folders of ``training/`` holding a ``reference.csv``, sorted."""
    folder = sessions_dir(year, data_dir)
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and (p / REFERENCE_FILE).is_file())


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
        ``scores``.

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
            h, df = _workbook(path, year, folder.name, data_dir, rubric, cases)
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
    columns = ["year", "entry_id", "examiner_id", "criterion", "score", "stage", "question", "comment"]
    scores = pd.concat([d[columns] for d in used], ignore_index=True) if used else _empty_scores()[columns]
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


def _workbook(path: Path, year, session, data_dir, rubric, cases) -> tuple[HandIn, pd.DataFrame | None]:
    from .scorebook import read_scorebook  # the scorebook reader is only needed when there are workbooks

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
        (score − reference), and the group's ``mean``, ``low``, ``high`` and ``n_trainees``
        over every trainee (the trainee included). No other trainee's code is in it.
    """
    s = scores[scores["entry_id"].isin(set(reference["entry_id"]))]
    group = s.groupby(["entry_id", "criterion"])["score"].agg(mean="mean", low="min", high="max")
    group["n_trainees"] = s.groupby(["entry_id", "criterion"])["examiner_id"].nunique()
    own = s[s["examiner_id"] == code].set_index(["entry_id", "criterion"])["score"]
    out = reference.rename(columns={"score": "reference"}).set_index(["entry_id", "criterion"])
    out = out.assign(score=own).join(group)
    out["difference"] = out["score"] - out["reference"]
    out["n_trainees"] = out["n_trainees"].fillna(0).astype("int64")
    out = out.reset_index()
    out = out.assign(_o=_order(out, rubric)).sort_values(["entry_id", "_o"], kind="stable").drop(columns="_o")
    return out[["entry_id", "criterion", "score", "reference", "difference", "mean", "low", "high", "n_trainees"]] \
        .reset_index(drop=True)


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


def labelled(df: pd.DataFrame) -> pd.DataFrame:
    """The training tables' own columns under Swedish headers (``scoring.labels.show`` does the rest)."""
    return df.rename(columns=COLUMNS_SV)


def summary(session: TrainingSession) -> str:
    """One paragraph (Markdown, Swedish) on what the session holds so far."""
    s = session.rubric.scale
    accepted = [h for h in session.hand_ins if h.accepted]
    left_out = len(session.hand_ins) - len(accepted)
    cases = session.cases
    text = (
        f"## Utbildning {session.name} {session.year}\n\n"
        f"{len(session.hand_ins)} inlämnade filer, {len(session.trainees)} deltagare med"
        + (f", {left_out} fil{'er' if left_out != 1 else ''} utelämnad{'e' if left_out != 1 else ''} (se nedan)"
           if left_out else "")
        + f". {'Övningsfall' if len(cases) > 1 else 'Övningsfallet'}: {', '.join(cases)}; "
        f"{session.reference['criterion'].nunique()} kriterier; skala {s.min:g}–{s.max:g} i steg om {s.step:g}."
    )
    return text
