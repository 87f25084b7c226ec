"""What a kind of report declares, in one place per kind (``scoring/kinds/<kind>/__init__.py``).

The runner, the index, the bundles and the privacy guard read these declarations and know
no kind by name: which jobs a kind makes (one per year, or one per class, examiner, session
or person), who its files are for and whom they must not name, its blind variant and how it
is sent.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .privacy import Forbidden, Person

__all__ = ["Blind", "ReportKind", "safe_name"]


@dataclass(frozen=True)
class Blind:
    """A kind's blind variant (``--blind``): the same notebook with ``blind=True``.

    suffix : added to the report's file name (``jury-skola-blind.html``).
    context : added to the page title's context (", anonymiserat").
    label : added to the index's link text (" (anonymiserat)").
    forbidden : ``f(year, data_dir) -> Forbidden``: what no file written for it may contain.
    """

    suffix: str
    context: str
    label: str
    forbidden: Callable[[int, Path], Forbidden]


@dataclass(frozen=True)
class ReportKind:
    """One kind of report: which notebook makes it, for whom, and where its output goes.

    Attributes
    ----------
    name : the kind as the command line spells it (``calibration``, ``jury``, ...).
    notebook : the notebook's file name inside the notebooks folder.
    output : output path relative to ``<out>/<year>/``, without suffix; ``{name}`` is
        replaced by the report's name for per-unit kinds.
    label : Swedish link text in the index; ``{label}`` is the name as :attr:`label_of` shows it.
    noun : plural English noun for messages ("jury packs are not available yet").
    per : None (one report per year) or the unit a report is made for (``class``,
        ``examiner``, ``session``, ``trainee``); ``units`` is its plural for messages.
    parameter : the notebook parameter that receives the name (besides ``year`` and
        ``data_dir``, which every report notebook takes). A tuple of parameters takes a name
        of as many parts joined by ``/`` (``"grund/T03"`` gives ``session="grund"``,
        ``trainee="T03"``); the output path keeps the parts as folders.
    names : ``f(year, data_dir) -> names``: the year's reports of a per-unit kind.
    none_ok : a year with no names is no error (no training session that year).
    label_of : ``f(name, year, data_dir) -> str``: the name in titles and the index
        (default: its parts joined by spaces in titles, by ", " in the index).
    section : Swedish heading of the kind's group in the index.
    group : another kind name that also asks for this one (``--kind training`` makes the
        trainer's report and every trainee's page).
    private : the report is for one person only: before it is published, every file written
        for it is scanned for anyone else's code or name, and ``--bundle`` sends it to that
        person alone.
    people : for a private kind, ``f(data_dir) -> {name: Person}``: everyone its reports are
        about, over every year of the data; a private report may name only its own person.
    forbidden : for a private kind, ``f(year, data_dir, name) -> Forbidden``: what its report for
        ``name`` must not contain besides other people (an entrant's letter: every other entry
        and district); checked like the people, in every file and in the zip.
    todo : ``f(year, data_dir) -> [Swedish sentence]``: what the award office still has to do
        before the kind's reports are complete (shown in the index under the year).
    model : its reports show the year's examiner model (:func:`scoring.calibration.year_model`): a
        run fits it ahead, in the runner, while the kernels start.
    blind : the kind's blind variant, if it has one.
    bundle : for a kind that is not private, the zip in ``send/`` that carries its reports
        (``jury.zip``), and ``bundle_label`` the index's text for it.
    """

    name: str
    notebook: str
    output: str
    label: str
    noun: str
    per: str | None = None
    units: str = ""
    parameter: str | tuple[str, ...] | None = None
    names: Callable[[int, Path], Iterable[str]] | None = None
    none_ok: bool = False
    label_of: Callable[[str, int, Path | None], str] | None = None
    section: str = ""
    group: str | None = None
    private: bool = False
    people: Callable[[Path], Mapping[str, Person]] | None = None
    forbidden: Callable[[int, Path, str], Forbidden] | None = None
    todo: Callable[[int, Path], list[str]] | None = None
    model: bool = False
    blind: Blind | None = None
    bundle: str | None = None
    bundle_label: str = ""

    def output_html(self, out_dir: Path, year: int, name: str | None = None) -> Path:
        rel = self.output.format(name=self.safe_name(name) if name is not None else "")
        return Path(out_dir) / str(year) / f"{rel}.html"

    def safe_name(self, name: str) -> str:
        """The name as it appears in the output path (parts kept as folders for tuple parameters)."""
        if isinstance(self.parameter, tuple):
            return "/".join(safe_name(p) for p in self.split(name))
        return safe_name(name)

    def split(self, name: str) -> list[str]:
        """The name's parts, one per parameter."""
        if not isinstance(self.parameter, tuple):
            return [name]
        parts = str(name).split("/", len(self.parameter) - 1)  # the last part (a code) may hold a "/"
        if len(parts) != len(self.parameter):
            raise ValueError(f"{self.name} report name {name!r}: expected {'/'.join(self.parameter)}")
        return parts

    def parameters(self, name: str) -> dict:
        """The notebook parameters that identify one report of this kind."""
        if self.parameter is None:
            return {}
        params = self.parameter if isinstance(self.parameter, tuple) else (self.parameter,)
        return dict(zip(params, self.split(name), strict=True))

    def glob(self) -> str:
        """A pattern matching this kind's HTML files under a year folder (for the index)."""
        stars = "/".join("*" for _ in self.parameter) if isinstance(self.parameter, tuple) else "*"
        return self.output.format(name=stars) + ".html"

    def notebook_path(self, notebooks_dir: Path) -> Path:
        return Path(notebooks_dir) / self.notebook

    def title(self, name: str, year: int, data_dir: Path | None) -> str:
        """The name as a page title's context shows it."""
        if self.label_of is not None:
            return self.label_of(name, year, data_dir)
        return " ".join(self.split(name))

    def link_text(self, name: str | None, year: int, data_dir: Path | None) -> str:
        """The index's link text for one report (a blind variant's name ends with its suffix)."""
        if name is None:
            return self.label
        extra = ""
        if self.blind is not None and name.endswith(self.blind.suffix):
            name, extra = name.removesuffix(self.blind.suffix), self.blind.label
        if self.label_of is not None:
            label = self.label_of(name, year, data_dir)
        else:
            label = ", ".join(self.split(name))  # by code only: "grundutbildning, T03"
        return self.label.format(label=label + extra)


_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')


def safe_name(name: str) -> str:
    """A class id or person's code usable as a file name (separators and spaces -> '-')."""
    safe = _UNSAFE.sub("-", str(name).strip()).strip("-.")
    if not safe:
        raise ValueError(f"cannot use {name!r} in a file name")
    return safe
