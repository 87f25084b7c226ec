"""``scoring import``: filled examiner scorebooks and teams' consensus workbooks into the year's
``scores.csv``.

Nothing is lost or duplicated. A workbook with any error imports nothing; the same
workbook twice changes nothing; scores that differ from the examiner's earlier rows for
the same entries are only replaced with ``replace=True``, and the import says what
changed. ``scores.csv`` is written once, atomically, after every workbook was read.

A workbook imports only under the code it was issued for (:mod:`.issued`), and one import
into a year runs at a time (:mod:`.lock`): a second one waits, then refuses. Every score row
an import adds, changes or removes is appended to the year's change log ``changes.csv``
(:mod:`scoring.data.changes`) just before ``scores.csv`` is replaced.

A consensus workbook (``scoring template --team``, :mod:`.consensus`) is stored as its entry's
consensus: rows with ``stage=consensus`` under ``TEAM``, the team's texts in ``strengths`` and
``improvements``; ``replace`` replaces the entry's earlier consensus (under any code).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..data.changes import CHANGE_LOG, ScoreChange, journal, sha256_file, text_value, who
from ..data.entries import read_entries
from ..data.years import year_folder
from ..paths import DATA_DIR
from ..problems import InputError, Problem, display_path
from ..rubric import load_rubric
from .consensus import consensus_changes
from .issued import Issued, issued_path, read_issued
from .layout import CONSENSUS, IDENTITY_SHEET, TRAINING
from .lock import IMPORT_LOCK, hold
from .reader import Scorebook, read_scorebook
from .scores_csv import ScoresCsv
from .template import session_dir

__all__ = ["WorkbookImport", "ImportResult", "import_scorebooks", "CHANGE_COLUMNS"]

#: Columns of :attr:`WorkbookImport.changes`.
CHANGE_COLUMNS = ("entry_id", "criterion", "question", "change", "old", "new")


@dataclass
class WorkbookImport:
    """What happened to one workbook.

    ``status``: ``"imported"`` (rows added or replaced), ``"unchanged"`` (everything was
    already there) or ``"refused"`` (nothing imported; see ``problems``). ``changes``: one
    row per score added, changed or removed (columns :data:`CHANGE_COLUMNS`; a consensus
    row whose score stays but whose texts change is ``changed``), also for a refused workbook
    whose scores differ from earlier ones. ``sha256``: the workbook's checksum. ``kind``:
    ``"award"`` or ``"consensus"`` (None when it could not be read). ``examiner_id`` is
    ``TEAM`` for a consensus workbook.
    """

    file: str
    status: str
    examiner_id: str | None = None
    entries: tuple[str, ...] = ()
    problems: list[Problem] = field(default_factory=list)
    changes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(CHANGE_COLUMNS)))
    sha256: str = ""
    kind: str | None = None
    #: the change log's rows of this workbook, when they are not one per row of ``changes``
    log: list[ScoreChange] | None = field(default=None, repr=False)

    def counts(self) -> dict[str, int]:
        c = self.changes["change"].value_counts()
        return {k: int(c.get(k, 0)) for k in ("added", "changed", "removed")}


@dataclass
class ImportResult:
    """Every workbook's outcome, whether ``scores.csv`` was written and how many rows were
    appended to the change log ``changes_file``. ``columns_added``: the columns the new rows
    needed and the file's header lacked (``strengths``, ``improvements`` for a first consensus
    with texts; ``stage``, ``question``, ``comment``), added at the end of the header; when
    the file had rows, every row was rewritten with an empty cell for each (a note on the
    first imported workbook says so)."""

    scores_file: Path
    workbooks: list[WorkbookImport]
    written: bool
    changes_file: Path | None = None
    logged: int = 0
    columns_added: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return all(w.status != "refused" for w in self.workbooks)


def _key(r) -> tuple:
    q = r["question"]
    return (r["entry_id"], r["criterion"], None if q is None or pd.isna(q) else int(q))


def import_scorebooks(
    paths, year: int | str, *, data_dir: str | Path | None = None, replace: bool = False,
    allow_unissued: bool = False, by: str | None = None, reason: str = "",
) -> ImportResult:
    """Append the scores of filled examiner scorebooks to ``<data_dir>/<year>/scores.csv``.

    Parameters
    ----------
    paths : the ``.xlsx`` files; each is imported whole or not at all.
    year : the award year; a scorebook made for another year is refused.
    data_dir : default the project's ``data/``.
    replace : replace the examiner's earlier individual rows for the scorebook's entries
        (only those) when they differ from the workbook; for a consensus workbook, the
        entry's earlier consensus. Without it such a workbook is refused, and rows are only
        ever added.
    allow_unissued : also take scorebooks made before ``scoring template`` gave each an id
        (they have none), under the code they name. Without it they are refused. A workbook
        with an id is always checked against what was issued.
    by : who runs the import, for the change log (default the login name).
    reason : why, for the change log (may be blank for an import).

    A team's consensus workbook (``scoring template --team``) is stored as its entry's
    consensus: one row per criterion scored, ``stage=consensus``, ``examiner_id=TEAM``, the
    team's texts in ``strengths`` and ``improvements``. The entry's earlier consensus (rows
    under any code) is only replaced with ``replace``; a workbook with no score changes nothing.

    A workbook is refused unless ``scoring template`` issued it, from this data folder,
    for this year, to the code it names, with the rows it has: its id is looked up in
    ``<data_dir>/scorebooks/<year>/issued.csv``. The import holds the year's lock file
    (``<year>/.scoring-import.lock``) from reading ``scores.csv`` until it is written. Every
    score row added, changed or removed is appended to ``<year>/changes.csv`` (action
    ``import``, or ``import --replace`` with ``replace``), the workbook as its source.

    Returns
    -------
    ImportResult

    Raises
    ------
    InputError
        When the year's own files cannot be used (no year folder, an entries.csv or a
        scores.csv with errors, a damaged list of issued scorebooks), another import into
        the year is still running after a short wait (naming its lock file), or
        ``scores.csv`` changed on disk during the import, or the change log's header is not
        its own.
    ValueError
        When ``by`` or ``reason`` is not one line of text, or no login name can be found.
    """
    data_dir = Path(data_dir) if data_dir is not None else DATA_DIR
    year = int(year)
    by, reason = who(by), text_value(reason, "the reason", required=False)
    year_dir = year_folder(year, data_dir)
    rubric = load_rubric(year=year, data_dir=data_dir)
    entries_path = year_dir / "entries.csv"
    if not entries_path.exists():
        raise InputError([Problem(display_path(entries_path), None, None,
                                  "file not found: a year folder needs entries.csv")])
    entries, problems = read_entries(entries_path, rubric)
    errors = [p for p in problems if p.is_error]
    if errors:
        raise InputError(errors)
    known = set(entries["entry_id"])

    with hold(year_dir / IMPORT_LOCK, f"an import into {year}"):
        scores = ScoresCsv.read(year_dir / "scores.csv", rubric, year)
        issued = _Issued(read_issued(year, data_dir), issued_path(year, data_dir), allow_unissued)
        results = []
        for path in paths:
            results.append(_one(Path(path), year, data_dir, rubric, known, entries_path, scores, replace, issued))
        written = scores.changed
        logged = _logged(results)
        added = tuple(scores.added_columns) if written else ()
        if written and scores.rewrites_rows:
            first = next(w for w in results if w.status == "imported")
            s = "s" if len(added) > 1 else ""
            first.problems.append(Problem(
                display_path(scores.path), None, None,
                f"column{s} {', '.join(added)} added to the header (the new rows need {'them' if s else 'it'}): "
                f"every row of the file is rewritten with an empty cell for {'each' if s else 'it'}, its values "
                "kept", "note"))
        if written:
            scores.write(journal(year_dir / CHANGE_LOG, logged, by=by, reason=reason,
                                 action="import --replace" if replace else "import"))
    return ImportResult(scores.path, results, written, year_dir / CHANGE_LOG, len(logged) if written else 0,
                        added)


def _logged(results: list[WorkbookImport]) -> list[ScoreChange]:
    """The change log's rows of an import: every score row its imported workbooks added,
    changed or removed."""
    out = []
    for w in results:
        if w.status != "imported":
            continue
        if w.log is not None:
            out += w.log
            continue
        for c in w.changes.itertuples(index=False):
            out.append(ScoreChange(
                c.entry_id, w.examiner_id, c.criterion, "individual",
                None if pd.isna(c.old) else float(c.old), None if pd.isna(c.new) else float(c.new),
                None if pd.isna(c.question) else int(c.question), w.file, w.sha256))
    return out


class _Issued:
    """The year's issued scorebooks, and how to judge a workbook against them."""

    def __init__(self, by_id: dict[str, Issued], path: Path, allow_unissued: bool):
        self.by_id, self.path, self.allow_unissued = by_id, path, allow_unissued

    def problems(self, book: Scorebook, where: str) -> list[Problem]:
        """Why ``book`` may not be imported under the code it names ([] when it may)."""

        def no(message: str, severity: str = "error") -> list[Problem]:
            return [Problem(where, None, None, message, severity, sheet=IDENTITY_SHEET)]

        code, year = book.examiner_id, book.year
        again = (f"--team {book.entries[0]}" if book.kind == CONSENSUS and book.entries else f"--examiner {code}")
        if book.workbook_id is None:
            if self.allow_unissued:
                return no("no issue id (made before `scoring template` recorded what it issues): imported under "
                          f"{code}, the code it names", "note")
            return no("this scorebook carries no issue id: it was made before `scoring template` recorded the "
                      "scorebooks it issues, or its hidden sheet was edited; nothing imported. Make a new one "
                      f"(`scoring template --year {year} {again}`) and copy the scores into it")
        issued = self.by_id.get(book.workbook_id)
        if issued is None or issued.year != year:
            return no(f"this scorebook was not issued for {year} by `scoring template` from this data folder (its id "
                      f"{book.workbook_id} is not in {display_path(self.path)}); nothing imported. Import the "
                      "workbook as it was handed out, or make a new one with `scoring template`")
        if issued.examiner_id != code:
            return no(f"this scorebook was issued to {issued.examiner_id}, but its hidden sheet now says {code}; "
                      "nothing imported (a scorebook imports only under the code it was issued for)")
        if issued.fingerprint != book.fingerprint:
            return no(f"this scorebook's entries or rows differ from those issued to {issued.examiner_id} "
                      f"({' '.join(issued.entries)}); nothing imported (its hidden sheet was edited). Make a new one "
                      "with `scoring template`")
        return []


def _one(path: Path, year, data_dir, rubric, known, entries_path, scores: ScoresCsv, replace: bool,
         issued: _Issued):
    where = display_path(path)
    book = read_scorebook(path, year=year, data_dir=data_dir, rubric=rubric)
    result = WorkbookImport(where, "refused", book.examiner_id, book.entries, list(book.problems), kind=book.kind)
    if not book.ok:
        return result
    result.sha256 = sha256_file(path)
    if book.kind == TRAINING:
        folder = display_path(session_dir(book.year, book.session or "<session>", data_dir))
        result.problems.append(Problem(where, None, None, f"a training scorebook (session '{book.session}'): training "
                                                          "scores never enter scores.csv; put the file in "
                                                          f"{folder}/ instead"))
        return result
    result.problems += issued.problems(book, where)
    if any(p.is_error for p in result.problems):
        return result
    unknown = book.scores.loc[~book.scores["entry_id"].isin(known)].drop_duplicates("entry_id")
    for _, r in unknown.iterrows():
        result.problems.append(Problem(where, None, None, f"entry '{r['entry_id']}' is not in "
                                                          f"{display_path(entries_path)}",
                                       sheet=r["sheet"], cell=f"A{r['cell'][1:]}"))
    if any(p.is_error for p in result.problems):
        return result
    if book.kind == CONSENSUS:
        return _consensus(result, book, scores, replace, rubric)

    new = [
        {**r, "question": None if pd.isna(r["question"]) else int(r["question"])}
        for r in book.scores.drop(columns=["sheet", "cell"]).to_dict("records")
    ]
    entry_set = set(book.entries)
    old = [r for r in scores.records if r["examiner_id"] == book.examiner_id and r["stage"] == "individual"
           and r["entry_id"] in entry_set]
    old_by_key: dict[tuple, dict] = {}
    for r in old:
        old_by_key.setdefault(_key(r), r)
    new_by_key = {_key(r): r for r in new}
    changes = []
    for k, r in new_by_key.items():
        o = old_by_key.get(k)
        if o is None:
            changes.append((*k, "added", None, r["score"]))
        elif o["score"] != r["score"] or (o["comment"] or "") != (r["comment"] or ""):
            changes.append((*k, "changed", o["score"], r["score"]))
    for k, o in old_by_key.items():
        if k not in new_by_key:
            changes.append((*k, "removed", o["score"], None))
    order = {e: i for i, e in enumerate(book.entries)}
    crit = {c: i for i, c in enumerate(rubric.criterion_ids)}
    changes.sort(key=lambda c: (order.get(c[0], 0), crit.get(c[1], 0), c[2] or 0))
    result.changes = pd.DataFrame(changes, columns=list(CHANGE_COLUMNS))
    result.changes["question"] = result.changes["question"].astype("Int64")

    destructive = any(c[3] in ("changed", "removed") for c in changes)
    if destructive and not replace:
        n = result.counts()
        result.problems.append(Problem(
            where, None, None,
            f"{book.examiner_id} already has other scores for these entries in {display_path(scores.path)} "
            f"({n['changed']} changed, {n['removed']} removed, {n['added']} added by this workbook); nothing imported. "
            "To replace their earlier scores for these entries, run the import again with --replace",
        ))
        return result
    if destructive:
        scores.remove(old)
        scores.append(new)
    else:
        scores.append([new_by_key[(c[0], c[1], c[2])] for c in changes])
    result.status = "imported" if changes else "unchanged"
    return result


def _consensus(result: WorkbookImport, book: Scorebook, scores: ScoresCsv, replace: bool, rubric) -> WorkbookImport:
    """A consensus workbook as its entry's consensus (:func:`.consensus.consensus_changes`); a
    workbook without any score changes nothing (not even with ``replace``)."""
    if book.scores.empty:
        result.status = "unchanged"
        return result
    found = consensus_changes(book, scores.records, rubric, result.file, result.sha256)
    result.changes = pd.DataFrame(found.changes, columns=list(CHANGE_COLUMNS))
    result.changes["question"] = result.changes["question"].astype("Int64")
    result.log = found.log
    if found.destructive and not replace:
        n = result.counts()
        result.problems.append(Problem(
            result.file, None, None,
            f"entry {book.entries[0]} already has another consensus in {display_path(scores.path)} "
            f"({n['changed']} changed, {n['removed']} removed, {n['added']} added by this workbook); nothing "
            "imported. To replace the entry's earlier consensus, run the import again with --replace",
        ))
        return result
    scores.remove(found.remove)
    scores.append(found.add)
    result.status = "imported" if found.changes else "unchanged"
    return result
