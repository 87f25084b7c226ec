"""Command line: ``scoring <command> ...`` (also ``python -m scoring``).

Exit codes: 0 success, 1 bad input or a failed report, 2 usage error.

Nothing from the data reaches the terminal as it is: every message and log line shows control
characters (an ESC that would start a terminal escape sequence, a bidi override) as visible
escapes (:func:`scoring.problems.printable`); ``--format csv`` and ``json`` write the data as it is
(JSON escapes control characters itself).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import pandas as pd

from .kinds import DEFAULT_KIND, KIND_GROUPS, REPORT_KINDS
from .problems import InputError, Problem, display_path, os_reason, printable

log = logging.getLogger("scoring")


class _PrintableFormatter(logging.Formatter):
    """Log lines with control characters shown as escapes (a traceback keeps its line breaks)."""

    def format(self, record: logging.LogRecord) -> str:
        return "\n".join(printable(line) for line in super().format(record).split("\n"))


#: The name of the console's log handler :func:`main` installs.
_CONSOLE = "scoring-console"


def _say(message, file=None, *, lines: bool = False) -> None:
    """Print a message for the user on one line, control characters from the data shown as
    escapes; ``lines``: a text of several lines (a table), each line escaped."""
    text = str(message)
    text = "\n".join(printable(line) for line in text.split("\n")) if lines else printable(text)
    print(text, file=file if file is not None else sys.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_CONSOLE)
    handler.setFormatter(_PrintableFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, handlers=[handler])
    if not args.verbose:  # keep the progress bar readable; our own logger still reports each run
        for noisy in ("papermill", "traitlets", "nbconvert"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    log.debug("command %s with %s", args.command, vars(args))
    try:
        return args.run(args)
    except InputError as e:
        for p in e.problems:
            _say(p, file=sys.stderr)
        return 1
    except OSError as e:  # a file the command's own checks missed: one line naming it, never a traceback
        if e.filename is None:  # raised with a message of its own, or only the system's reason
            _say(f"error: {e.strerror or (e.args[0] if e.args else e)}", file=sys.stderr)
        else:
            _say(Problem(display_path(e.filename), None, None, os_reason(e, "use")), file=sys.stderr)
        return 1
    except (ValueError, KeyError) as e:
        _say(f"error: {e.args[0] if e.args else e}", file=sys.stderr)
        return 1


def console() -> None:
    """The ``scoring`` command (and ``python -m scoring``): :func:`main`, then an exit that leaves
    the interpreter's tear-down out (freeing what a run read, a national year's millions of objects,
    took 0.3 s): the kernels kept for a next run and the browser that printed PDFs are stopped and the
    output flushed first. An exception :func:`main` lets through ends the process as usual."""
    import os

    code = main()
    if not isinstance(code, int):
        sys.exit(code)
    warm = sys.modules.get("scoring.reports.warm")
    if warm is not None:
        warm.stop_kernels(wait=False)  # the process ends now
    pdf = sys.modules.get("scoring.reports.pdf")
    if pdf is not None:
        pdf.stop_browsers()  # the browser that printed the PDFs, and its profile in the temporary folder
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="scoring", description="Scoring and calibration for Kvalitetsutmärkelsen.")
    p.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    s = sub.add_parser("validate", help="check score and entry files; one line per problem")
    s.add_argument("paths", nargs="+", metavar="PATH", help="files, year folders or the data folder")
    s.set_defaults(run=_validate)

    s = sub.add_parser("agreement", help="agreement between examiners per group")
    s.add_argument("scores", metavar="SCORES.csv")
    s.add_argument("--by", default="criterion", help="comma-separated grouping columns (default: criterion)")
    s.add_argument("--stage", default="individual", help="stage to analyse (default: individual)")
    _format_option(s)
    s.set_defaults(run=_agreement)

    s = sub.add_parser("examiners", help="the examiner-effect model: each examiner's leniency and rater measures")
    s.add_argument("scores", metavar="SCORES.csv")
    s.add_argument("--min-scores", type=int, default=12, help="fewer scores: reported, not adjusted (default: 12)")
    s.add_argument("--reading", action="store_true", help="add a plain-language Swedish reading per examiner")
    _format_option(s)
    s.set_defaults(run=_examiners)

    from .ranking import METHODS

    s = sub.add_parser("rank", help="rank the entries of each class among its eligible entries (those that cannot "
                                    "win apart, with would_rank), with rank intervals and P(first)")
    s.add_argument("scores", metavar="SCORES.csv")
    s.add_argument("--entries", metavar="ENTRIES.csv", help="entries table (default: entries.csv beside SCORES.csv)")
    s.add_argument("--class", dest="class_", metavar="C", help="only this class (id or Swedish label)")
    s.add_argument("--method", default="adjusted", choices=METHODS, help="aggregation method (default: adjusted)")
    s.add_argument("--draws", type=int, default=2000, help="resampling replicates (default: 2000)")
    s.add_argument("--seed", type=int, default=0, help="resampling seed (default: 0)")
    _format_option(s)
    s.set_defaults(run=_rank)

    s = sub.add_parser("report", help="produce HTML reports with Papermill")
    when = s.add_mutually_exclusive_group()
    when.add_argument("--year", help="one year, e.g. 2024")
    when.add_argument("--years", help="a range or list, e.g. 2019-2024 or 2019,2021")
    when.add_argument("--all", action="store_true", help="every year in the data folder (default)")
    s.add_argument("--kind", default=DEFAULT_KIND, choices=list(dict.fromkeys([*REPORT_KINDS, *KIND_GROUPS, "all"])),
                   help="which reports (default: calibration; training: the trainer's report and each "
                        "trainee's page per session; all: every kind)")
    s.add_argument("--examiner", help="only this examiner (with --kind examiner)")
    s.add_argument("--entry", help="only this entry's letter (with --kind entry), e.g. 2024-08")
    s.add_argument("--blind", action="store_true",
                   help="jury packs for shortlisting: jury-<class>-blind.html, entry codes only, no names or districts")
    s.add_argument("--data", type=Path, help="data folder (default: the project's data/)")
    s.add_argument("--out", type=Path, help="output folder (default: the project's reports/)")
    s.add_argument("--workers", type=int, default=2,
                   help="notebooks run at once, each in its own warm kernel (default: 2)")
    s.add_argument("--pdf", action="store_true", help="also print each report to PDF beside it (needs Chromium)")
    s.add_argument("--bundle", action="store_true",
                   help="also write <out>/<year>/send/: one zip per examiner and trainee with only "
                        "their own reports, one for the jury")
    s.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                   help="log every step as it happens (without it: the progress bar, then a summary that "
                        "counts the warnings)")
    s.set_defaults(run=_report)

    s = sub.add_parser("template", help="write an Excel scorebook for an examiner (recorded in data/scorebooks/<year>/"
                                         "issued.csv), a training session or a team's consensus meeting")
    s.add_argument("--year", required=True, type=int, help="the award year")
    who = s.add_mutually_exclusive_group(required=True)
    who.add_argument("--examiner", help="the examiner's code, e.g. E07")
    who.add_argument("--session", help="a training session (folder in data/<year>/training/)")
    who.add_argument("--planned", action="store_true",
                     help="every examiner of the year's assignments.csv: one scorebook each, <code>.xlsx in --out "
                          "(a folder)")
    who.add_argument("--team", metavar="ENTRY",
                     help="the team leader's consensus workbook for one entry: the members' scores and comments, "
                          "the spread and the agenda; the team's consensus scores, strengths and areas for "
                          "development (imported under TEAM)")
    s.add_argument("--entries", help="comma-separated entry ids (default: the examiner's rows in "
                                     "assignments.csv; for a session, the cases of its reference.csv)")
    s.add_argument("--per-question", action="store_true", default=None,
                   help="one row per question (default: as the year's scores are given)")
    s.add_argument("--out", required=True, type=Path, metavar="FILE.xlsx",
                   help="the workbook to write (with --planned: the folder to write them to)")
    s.add_argument("--data", type=Path, help="data folder (default: the project's data/)")
    s.set_defaults(run=_template)

    s = sub.add_parser("import", help="append filled examiner scorebooks to the year's scores.csv")
    s.add_argument("files", nargs="+", type=Path, metavar="FILE.xlsx")
    s.add_argument("--year", required=True, type=int, help="the award year")
    s.add_argument("--data", type=Path, help="data folder (default: the project's data/)")
    s.add_argument("--replace", action="store_true",
                   help="replace the examiner's earlier scores for the workbook's entries")
    s.add_argument("--allow-unissued", action="store_true",
                   help="also take scorebooks made before the register of issued scorebooks existed (with a note); "
                        "a scorebook is otherwise imported only under the code it was issued for")
    s.add_argument("--by", metavar="NAME", help="who runs the import, for the change log (default: the login name)")
    s.set_defaults(run=_import)

    s = sub.add_parser("correct", help="correct one score in the year's scores.csv, with a reason; logged in "
                                        "changes.csv")
    s.add_argument("--year", required=True, type=int, help="the award year")
    s.add_argument("--entry", required=True, help="the entry id, e.g. 2024-07")
    s.add_argument("--examiner", required=True, help="the examiner's code (TEAM for a team's row)")
    s.add_argument("--criterion", required=True, help="criterion id or Swedish label")
    s.add_argument("--question", type=int, help="the question, for scores given per question")
    s.add_argument("--stage", default="individual", help="the row's stage (default: individual)")
    s.add_argument("--score", required=True, help="the new score, on the rubric's scale")
    s.add_argument("--reason", required=True, help="why the score is corrected (kept in the change log)")
    s.add_argument("--by", metavar="NAME", help="who corrects it, for the change log (default: the login name)")
    s.add_argument("--data", type=Path, help="data folder (default: the project's data/)")
    s.set_defaults(run=_correct)

    s = sub.add_parser("plan", help="plan the year's teams without conflicts of interest; write assignments.csv")
    s.add_argument("--year", required=True, type=int, help="the award year")
    s.add_argument("--team-size", default="4-6", metavar="MIN-MAX", help="examiners per entry (default: 4-6)")
    s.add_argument("--seed", type=int, default=0, help="random seed of the search (default: 0)")
    s.add_argument("--keep", action="store_true",
                   help="re-plan: keep every assignment of the existing assignments.csv that still meets every rule")
    s.add_argument("--data", type=Path, help="data folder (default: the project's data/)")
    s.set_defaults(run=_plan)

    s = sub.add_parser("shortlist", help="the site visits: per class the entries to visit, each with the reason")
    s.add_argument("--year", required=True, type=int, help="the award year")
    s.add_argument("--visits", type=int, default=3, metavar="K", help="entries to visit per class (default: 3)")
    s.add_argument("--data", type=Path, help="data folder (default: the project's data/)")
    _format_option(s)
    s.set_defaults(run=_shortlist)

    s = sub.add_parser("status", help="who has handed in what, against the year's assignments.csv")
    s.add_argument("--year", required=True, type=int, help="the award year")
    s.add_argument("--data", type=Path, help="data folder (default: the project's data/)")
    _format_option(s)
    s.set_defaults(run=_status)

    s = sub.add_parser("demo", help="regenerate the synthetic demo data")
    s.add_argument("--out", type=Path, help="output folder (default: the project's data/)")
    s.add_argument("--seed", type=int, help="random seed (default: the committed data's seed)")
    s.add_argument("--scale", choices=["city", "national"], default="city",
                   help="city: the demo's six years (default); national: one year of about 200,000 scores "
                        "(6,000 entries, 1,000 examiners) for measuring, written to --out (required)")
    s.set_defaults(run=_demo)
    return p


def _format_option(s: argparse.ArgumentParser) -> None:
    s.add_argument("--format", default="table", choices=["table", "csv", "json"], help="output format")


def _print_table(df: pd.DataFrame, fmt: str) -> None:
    if fmt == "csv":
        df.to_csv(sys.stdout, index=False)
    elif fmt == "json":
        sys.stdout.write(df.to_json(orient="records", force_ascii=False, indent=1) + "\n")
    else:
        with pd.option_context("display.max_rows", None, "display.width", 200):
            _say(df.to_string(index=False, float_format=lambda x: f"{x:.3f}"), lines=True)


def _validate(args) -> int:
    from .data.validate import validate_paths

    problems = validate_paths(args.paths)
    for p in problems:
        _say(p)
    errors = sum(p.is_error for p in problems)
    if errors:
        print(f"{errors} problem(s) found", file=sys.stderr)
        return 1
    _say(f"ok: {', '.join(args.paths)}", file=sys.stderr)
    return 0


def _read_scores_for_cli(path: str) -> tuple[pd.DataFrame, object]:
    """Criterion-level scores of one file, with the class of each entry when entries.csv is beside it."""
    from .data import criterion_scores, read_entries, read_scores, rubric_for
    from .data.validate import validate_paths

    errors = [p for p in validate_paths([path]) if p.is_error]
    if errors:
        raise InputError(errors)
    rubric, year = rubric_for(Path(path))
    scores, _ = read_scores(path, rubric, year=year)
    scores = criterion_scores(scores, rubric)
    entries_path = Path(path).with_name("entries.csv")
    if entries_path.exists():
        entries, _ = read_entries(entries_path, rubric)
        scores = scores.merge(entries[["entry_id", "class"]], on="entry_id", how="left")
    return scores, rubric


def _agreement(args) -> int:
    from .agreement import agreement_table

    scores, rubric = _read_scores_for_cli(args.scores)
    by = tuple(b.strip() for b in args.by.split(",") if b.strip())
    for b in by:
        if b not in scores.columns:
            raise ValueError(
                f"--by {b}: no such column in {display_path(args.scores)} "
                f"(available: {', '.join(c for c in scores.columns if c not in ('score', 'line'))})"
            )
    stage = scores[scores["stage"] == args.stage]
    if stage.empty:
        raise InputError([Problem(display_path(args.scores), None, "stage", f"no rows with stage '{args.stage}'")])
    _print_table(agreement_table(stage, by=by, rubric=rubric, notes="text"), args.format)
    return 0


def _examiners(args) -> int:
    from .calibration import examiner_effects
    from .presentation.labels import examiner_positions, examiner_reading, note_text

    scores, rubric = _read_scores_for_cli(args.scores)
    if not (scores["stage"] == "individual").any():
        raise InputError([Problem(display_path(args.scores), None, "stage", "no individual scores")])
    effects = examiner_effects(scores, min_scores=args.min_scores, rubric=rubric)
    log.debug("examiner model: variances %s", effects.attrs["variances"])
    for note in effects.attrs["notes"]:
        _say(f"note: {note_text(note)}", file=sys.stderr)
    if args.reading:
        sd = effects.attrs["residual_sd"]
        positions = examiner_positions(effects)
        effects = effects.assign(reading=[examiner_reading(r, sd, position=positions.get(r["examiner_id"]))
                                          for _, r in effects.iterrows()])
    _print_table(effects, args.format)
    return 0


def _rank(args) -> int:
    from .data import class_id_for, missing_entries, read_entries
    from .ranking import rank_entries

    scores, rubric = _read_scores_for_cli(args.scores)
    entries_path = Path(args.entries) if args.entries else Path(args.scores).with_name("entries.csv")
    if not entries_path.exists():
        how = "" if args.entries else " (no --entries given, so it was looked for beside the scores)"
        raise InputError([Problem(display_path(entries_path), None, None, f"entries file not found{how}")])
    entries, problems = read_entries(entries_path, rubric)
    if not any(p.is_error for p in problems):
        problems += missing_entries(scores, entries, display_path(args.scores), display_path(entries_path))
    if any(p.is_error for p in problems):
        raise InputError(problems)
    cls = None
    if args.class_:
        cls = class_id_for(rubric, args.class_)
        present = list(dict.fromkeys(entries["class"]))
        if cls not in present:
            raise ValueError(f"--class {args.class_}: no such class in {display_path(entries_path)} "
                             f"(classes: {', '.join(present)})")
    log.info("rank: scores=%s entries=%s method=%s class=%s draws=%s seed=%s", display_path(args.scores),
             display_path(entries_path), args.method, cls or "all", args.draws, args.seed)
    table = rank_entries(scores.drop(columns="class", errors="ignore"), args.method, entries, rubric=rubric,
                         n_draws=args.draws, seed=args.seed)
    if cls is not None:
        table = table[table["class"] == cls]
    from .presentation.labels import note_text

    _print_table(table.assign(note=[note_text(n, rubric) for n in table["note"]]), args.format)
    return 0


def _report(args) -> int:
    """``scoring report``: the progress bar while it runs, then a summary; log lines only with ``-v``."""
    console = [h for h in logging.getLogger().handlers if h.get_name() == _CONSOLE]
    saved = [h.level for h in console]
    if not args.verbose:  # a warning of the run is in its summary (RunResult.warnings)
        for h in console:
            h.setLevel(logging.CRITICAL + 1)
    try:
        return _run_report(args)
    finally:
        for h, level in zip(console, saved, strict=True):
            h.setLevel(level)


def _run_report(args) -> int:
    from collections import Counter

    from .data import available_years
    from .paths import DATA_DIR, REPORTS_DIR
    from .reports import parse_years, run_reports

    if args.blind and args.kind not in ("jury", "all"):
        print("usage error: --blind applies to jury packs: use it with --kind jury (or all)", file=sys.stderr)
        return 2
    data_dir = (args.data or DATA_DIR).resolve()
    out_dir = (args.out or REPORTS_DIR).resolve()
    from .data.scores import code_problem
    from .data.years import misnamed_years

    for option, code in (("--examiner", args.examiner), ("--entry", args.entry)):
        if code and (problem := code_problem(code)):
            _say(f"error: {option} {problem}", file=sys.stderr)
            return 1

    for p in misnamed_years(data_dir):  # a folder that reads as a year but is none: say so, by name
        _say(f"skipped: {p}", file=sys.stderr)
    if args.year:
        years = parse_years(args.year)
    elif args.years:
        years = parse_years(args.years)
    else:
        years = available_years(data_dir)
        if not years:
            raise ValueError(f"no year folders with scores.csv in {display_path(data_dir)}")
    kinds = (args.kind,)  # "all": every kind whose notebook exists
    if args.workers < 1:
        print(f"usage error: --workers must be at least 1, not {args.workers}", file=sys.stderr)
        return 2
    if args.pdf:
        from .reports.pdf import INSTALL_HINT, find_chromium

        if find_chromium() is None:  # say so before running any notebook
            print(f"error: {INSTALL_HINT}", file=sys.stderr)
            return 1
    log.info("report: years=%s kinds=%s examiner=%s entry=%s data=%s out=%s workers=%s pdf=%s bundle=%s blind=%s",
             years, kinds, args.examiner, args.entry, data_dir, out_dir, args.workers, args.pdf, args.bundle,
             args.blind)
    # --examiner picks one person's reports of every kind made per examiner, --entry one entry's letter
    picked = {"examiner": args.examiner, "entry": args.entry}
    only = {k.name: [picked[k.per]] for k in REPORT_KINDS.values() if picked.get(k.per)} or None
    result = run_reports(years, kinds, names=only, data_dir=data_dir, out_dir=out_dir,
                         workers=args.workers, pdf=args.pdf, bundle=args.bundle,
                         blind=args.blind)
    for f in result.failures:
        _say(f"failed: {f}", file=sys.stderr)
    for note in result.notes:
        _say(f"note: {note}", file=sys.stderr)
    for year, problems in result.left_out_years.items():
        reports = ", ".join(" ".join(str(x) for x in (r.year, r.kind, r.name) if x is not None)
                            for r in sorted(result.left_out, key=lambda r: (r.year, r.kind, r.name or ""))
                            if r.left_out == year)  # in the order of the reports, not of their finishing
        _say(f"left out: {year} is not in the trends of {reports} (its data has errors"
             f"{': ' + problems[0] if problems else ''})", file=sys.stderr)
    if result.warnings:
        counted = Counter(result.warnings)
        _say(f"{len(result.warnings)} warning(s){'' if args.verbose else ' (-v logs them as they come)'}:",
             file=sys.stderr)
        for text, n in counted.items():
            _say(f"warning: {text}" + (f" ({n} times)" if n > 1 else ""), file=sys.stderr)
    if result.bundles:
        _say(f"{len(result.bundles)} zip(s) to send written to {display_path(out_dir)}/<year>/send/",
             file=sys.stderr)
    pdfs = f", {len(result.pdfs)} PDF(s)" if args.pdf else ""
    _say(f"{len(result.produced)} report(s) written{pdfs}; index: {display_path(out_dir / 'index.html')}",
         file=sys.stderr)
    return 1 if result.failures else 0


def _template(args) -> int:
    from .scorebook import UsageError, write_template

    if args.planned:
        return _planned_templates(args)
    if args.out.suffix.lower() != ".xlsx":
        _say(f"usage error: --out must name an .xlsx file, not {args.out}", file=sys.stderr)
        return 2
    if args.team is not None:
        return _team_template(args)
    entries = args.entries.split(",") if args.entries else None
    log.info("template: year=%s examiner=%s session=%s entries=%s per_question=%s out=%s data=%s",
             args.year, args.examiner, args.session, entries, args.per_question, args.out, args.data)
    try:
        path = write_template(args.out, args.year, examiner=args.examiner, session=args.session, entries=entries,
                              per_question=args.per_question, data_dir=args.data)
    except UsageError as e:
        _say(f"usage error: {e}", file=sys.stderr)
        return 2
    _say(display_path(path))
    return 0


def _team_template(args) -> int:
    """The team leader's consensus workbook for one entry (``--team ENTRY``)."""
    from .scorebook import UsageError, write_consensus_template

    for given, option in ((args.entries, "--entries"), (args.per_question, "--per-question")):
        if given:
            _say(f"usage error: {option} does not go with --team (the workbook is for one entry, with question rows "
                 "where the team scored per question)", file=sys.stderr)
            return 2
    log.info("template: year=%s team=%s out=%s data=%s", args.year, args.team, args.out, args.data)
    try:
        path = write_consensus_template(args.out, args.year, args.team, data_dir=args.data)
    except UsageError as e:
        _say(f"usage error: {e}", file=sys.stderr)
        return 2
    _say(display_path(path))
    return 0


def _planned_templates(args) -> int:
    """One issued scorebook per examiner of the year's plan, in the folder ``--out``."""
    from .data.register import read_assignments
    from .data.years import year_folder
    from .paths import DATA_DIR
    from .scorebook import write_template

    data_dir = args.data or DATA_DIR
    path = year_folder(args.year, data_dir) / "assignments.csv"
    if not path.exists():
        raise InputError([Problem(display_path(path), None, None, "file not found: plan the teams first with "
                                                                  f"`scoring plan --year {args.year}`")])
    assignments, problems = read_assignments(path)
    if any(p.is_error for p in problems):
        raise InputError([p for p in problems if p.is_error])
    if args.out.suffix.lower() == ".xlsx" or (args.out.exists() and not args.out.is_dir()):
        _say(f"usage error: with --planned, --out is a folder, not {args.out}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    for code in sorted(set(assignments["examiner_id"])):
        _say(display_path(write_template(args.out / f"{code}.xlsx", args.year, examiner=code,
                                         per_question=args.per_question, data_dir=args.data)))
    return 0


def _team_size(text: str) -> tuple[int, int]:
    parts = text.replace("–", "-").split("-")
    try:
        lo, hi = (int(parts[0]), int(parts[-1])) if len(parts) <= 2 else (0, -1)
    except ValueError:
        lo, hi = 0, -1
    if not 1 <= lo <= hi:
        raise ValueError(f"--team-size {text!r}: give the smallest and largest team as MIN-MAX (e.g. 4-6) or one "
                         "number")
    return lo, hi


def _plan(args) -> int:
    from .data.register import load_register, write_assignments
    from .data.years import year_folder
    from .paths import DATA_DIR
    from .plan import PlanError, plan_teams
    from .plan.office import components_for, plan_summary
    from .rubric import load_rubric

    data_dir = args.data or DATA_DIR
    team_size = _team_size(args.team_size)
    folder = year_folder(args.year, data_dir)
    rubric = load_rubric(year=args.year, data_dir=data_dir)
    register = load_register(args.year, data_dir, rubric)
    entries = register.entries.assign(**{"class": [rubric.class_label(c) for c in register.entries["class"]]})
    for p in register.problems:
        _say(p, file=sys.stderr)
    if args.keep and register.assignments is None:
        _say(f"usage error: --keep needs a plan to keep: {display_path(folder / 'assignments.csv')} does not exist",
             file=sys.stderr)
        return 2
    components, source = components_for(args.year, data_dir)
    log.debug("plan: year=%s team_size=%s seed=%s keep=%s components=%s (%s)", args.year, team_size, args.seed,
             args.keep, components, source)
    try:
        plan = plan_teams(entries, register.examiners, register.conflicts, team_size=team_size,
                          seed=args.seed, keep=register.assignments if args.keep else None, components=components)
    except PlanError as e:
        for line in str(e).splitlines():
            _say(f"{display_path(folder / 'assignments.csv')}: not written: {line}", file=sys.stderr)
        return 1
    path = write_assignments(folder / "assignments.csv", plan.assignments)
    _say(plan_summary(plan, entries, source), lines=True)
    _say(f"written: {display_path(path)}", file=sys.stderr)
    return 0


def _shortlist(args) -> int:
    from .kinds.jury.shortlist import shortlist

    if args.visits < 1:
        _say(f"usage error: --visits must be at least 1, not {args.visits}", file=sys.stderr)
        return 2
    table = shortlist(args.year, args.visits, args.data)
    if args.format == "table":
        table = table[["class", "entry_id", "name", "rank", "rank_low", "rank_high", "method_dependent", "reason"]]
    _print_table(table, args.format)
    return 0


def _status(args) -> int:
    from .data.register import hand_in_status
    from .paths import DATA_DIR
    from .rubric import load_rubric

    data_dir = args.data or DATA_DIR
    status = hand_in_status(args.year, data_dir, load_rubric(year=args.year, data_dir=data_dir))
    _print_table(status, args.format)
    if args.format == "table":
        late = status[status["status"] != "done"]
        _say(f"{len(status) - len(late)} of {len(status)} examiner(s) done" +
             (f"; remind: {', '.join(late['examiner_id'])}" if len(late) else ""), file=sys.stderr)
    return 0


def _import(args) -> int:
    from .scorebook import import_scorebooks

    log.info("import: files=%s year=%s data=%s replace=%s by=%s", args.files, args.year, args.data, args.replace,
             args.by)
    result = import_scorebooks(args.files, args.year, data_dir=args.data, replace=args.replace,
                               allow_unissued=args.allow_unissued, by=args.by)
    for w in result.workbooks:
        for p in w.problems:
            _say(p, file=sys.stderr)
        n = w.counts()
        who = f" ({w.examiner_id})" if w.examiner_id else ""
        if w.status == "refused":
            _say(f"{w.file}{who}: refused, nothing imported")
        else:
            _say(f"{w.file}{who}: {w.status}: {n['added']} added, {n['changed']} changed, {n['removed']} removed")
        for _, c in w.changes.iterrows():
            q = f" question {c['question']}" if pd.notna(c["question"]) else ""
            old = "" if pd.isna(c["old"]) else f"{c['old']:g}"
            new = "" if pd.isna(c["new"]) else f"{c['new']:g}"
            what = {"added": f"added {new}", "changed": f"changed {old} -> {new}", "removed": f"removed (was {old})"}
            if w.status != "refused" or c["change"] != "added":
                _say(f"  {c['entry_id']} {c['criterion']}{q}: {what[c['change']]}")
    if result.written:
        _say(f"written: {display_path(result.scores_file)}", file=sys.stderr)
        _say(f"logged: {result.logged} change(s) in {display_path(result.changes_file)}", file=sys.stderr)
    refused = sum(w.status == "refused" for w in result.workbooks)
    if refused:
        print(f"{refused} workbook(s) refused", file=sys.stderr)
    return 1 if refused else 0


def _correct(args) -> int:
    from .scorebook import correct_score

    log.info("correct: year=%s entry=%s examiner=%s criterion=%s question=%s stage=%s score=%s by=%s data=%s",
             args.year, args.entry, args.examiner, args.criterion, args.question, args.stage, args.score, args.by,
             args.data)
    c = correct_score(args.year, entry=args.entry, examiner=args.examiner, criterion=args.criterion,
                      question=args.question, stage=args.stage, score=args.score, reason=args.reason, by=args.by,
                      data_dir=args.data)
    q = f" question {c.question}" if c.question is not None else ""
    _say(f"{display_path(c.scores_file)}:{c.line}: {c.entry_id} {c.examiner_id} {c.criterion}{q} ({c.stage}): "
         f"changed {c.old_score:g} -> {c.new_score:g}")
    _say(f"written: {display_path(c.scores_file)}", file=sys.stderr)
    _say(f"logged: 1 change in {display_path(c.changes_file)}", file=sys.stderr)
    return 0


def _demo(args) -> int:
    from .demo import DEFAULT_SEED, generate
    from .paths import DATA_DIR

    if args.scale == "national":
        from .demo_national import generate_national

        if args.out is None or args.out.resolve() == DATA_DIR.resolve():
            _say("scoring demo --scale national: name a folder of its own with --out (the project's data/ "
                 "holds the city demo)", sys.stderr)
            return 1
        files = generate_national(args.out, **({} if args.seed is None else {"seed": args.seed}))
    else:
        files = generate(args.out, seed=DEFAULT_SEED if args.seed is None else args.seed)
    for f in files:
        _say(display_path(f))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
