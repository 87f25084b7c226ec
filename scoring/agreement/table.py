"""Every agreement coefficient per group, in one tidy table, from a registry of coefficients.

Each coefficient of the table is one registration (:func:`_register` below): its name,
where its categories come from, and how it computes its :class:`Estimate` for a group.
Adding a coefficient to the table (and so to the calibration report's table) is one more
registration. A row that has no value gets a note; :data:`NOTES` maps every note's stable
code to its English sentence.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Callable

import numpy as np
import pandas as pd

from ..notes import Note
from ..rubric import Rubric, load_rubric
from ._coding import _category_codes, _declared_categories
from ._inference import Estimate
from .chance import fleiss_kappa_estimate, gwet_ac_estimate, percent_agreement_estimate
from .icc import _NOTES as _ICC_NOTES
from .icc import FORMS as ICC_FORMS
from .icc import icc
from .krippendorff import krippendorff_alpha_estimate

COLUMNS = ["coefficient", "estimate", "ci_low", "ci_high", "se", "n_units", "n_raters", "n_ratings", "method", "note"]

#: every note's code and its English sentence (the table's ``note`` holds the sentence, or
#: with ``notes="code"`` a :class:`~scoring.notes.Note` with the code). Where the sentence
#: comes from an error message the table shows the message itself, which names the
#: particulars (which ratings, how many).
NOTES = {
    "undefined": "undefined for these ratings",
    **_ICC_NOTES,
    "no_ratings": "no ratings (every rating is missing or the data are empty)",
    "non_numeric": "the ratings column holds non-numeric ratings",
    "infinite_ratings": "the ratings column holds infinite ratings",
    "off_scale": "ratings not on the declared scale",
    "one_rating_per_unit": "no unit has two or more ratings: agreement needs at least two raters on a unit",
    "too_few_units": "at least 2 rated units (targets) are needed",
    "too_few_raters": "at least 2 raters are needed",
    "not_two_raters": "exactly two raters are needed",
    "no_common_units": "the two raters have no unit in common",
    "replicate_ratings": "a rater rated the same unit more than once",
    "negative_ratio": "the ratio level needs non-negative categories (a ratio scale has an absolute zero)",
    "error": "cannot be computed for these ratings",
}
_NOTE_FORMS = ("text", "code")
_ICC_CODES = {text: code for code, text in _ICC_NOTES.items()}


# --------------------------------------------------------------------------------------
# one group of ratings
# --------------------------------------------------------------------------------------
@dataclass
class _Group:
    """One group's ratings and what every coefficient of the table shares about them."""

    data: pd.DataFrame
    units: str
    raters: str
    ratings: str
    scale: np.ndarray  # the rubric's scale values
    step: float  # the rubric's scale step
    confidence: float

    @property
    def columns(self) -> tuple:
        """``(data, units, raters, ratings)``, the first arguments of every coefficient."""
        return self.data, self.units, self.raters, self.ratings

    @cached_property
    def on_scale(self) -> bool:
        """True when every non-missing rating is on the rubric's scale."""
        y = pd.to_numeric(self.data[self.ratings], errors="coerce").dropna().to_numpy(dtype=float)
        try:
            _category_codes(y, _declared_categories(self.scale))
        except ValueError:
            return False
        return True

    def categories(self, scale: str):
        """The categories for a coefficient whose scale is ``scale`` (see :func:`_register`)."""
        if scale == "declared":
            return self.scale
        if scale == "any":
            return self.scale if self.on_scale else None
        return None

    @cached_property
    def _icc(self) -> tuple[pd.DataFrame | None, ValueError | None]:
        try:
            return icc(*self.columns, confidence=self.confidence), None
        except ValueError as err:
            return None, err

    def icc_form(self, form: str) -> Estimate:
        """One ICC form of :func:`icc` (computed once per group) as an Estimate."""
        t, err = self._icc
        if err is not None:
            raise err
        a, r = t.attrs, t.loc[form]
        return Estimate(r["icc"], np.nan, r["ci_low"], r["ci_high"], a["n_targets"], a["n_raters"],
                        a["n_ratings"], a.get("estimator", ""))

    def icc_note(self) -> str:
        """The code of :func:`icc`'s note (why a form is NaN), "" for none."""
        return _ICC_CODES.get(self._icc[0].attrs.get("note", ""), "")


# --------------------------------------------------------------------------------------
# the registry
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Coefficient:
    """A coefficient of the table.

    ``scale``: where its categories come from. ``"declared"``: the rubric's scale, always
    (its value depends on the declared scale; a rating off it is an error and a note).
    ``"any"``: it cannot change with a category nobody used, so the rubric's scale when
    every rating is on it, else none (the ratings as they are). ``"none"``: it takes no
    categories. ``estimate(group, categories)`` computes the Estimate or raises
    ``ValueError``; ``undefined(group)`` is the note's code when the estimate is NaN
    (default ``"undefined"``). ``reported``: shown in the calibration report's agreement
    table (:data:`REPORTED`).
    """

    name: str
    scale: str
    estimate: Callable[[_Group, object], Estimate]
    undefined: Callable[[_Group], str] | None = None
    reported: bool = False


_REGISTRY: dict[str, _Coefficient] = {}


def _register(name: str, scale: str, estimate: Callable[[_Group, object], Estimate],
              undefined: Callable[[_Group], str] | None = None, *, reported: bool = False) -> None:
    """Add a coefficient to the table (in registration order); see :class:`_Coefficient`."""
    if scale not in ("declared", "any", "none"):
        raise ValueError(f"scale must be 'declared', 'any' or 'none', got {scale!r}")
    _REGISTRY[name] = _Coefficient(name, scale, estimate, undefined, reported)


# ICC1..ICC3k: the variance components of the crossed entry x examiner design using every
# rating (McGraw & Wong intervals), one icc() per group.
for _form in ICC_FORMS:
    _register(_form, "none", lambda g, cats, form=_form: g.icc_form(form), lambda g: g.icc_note(),
              reported=_form in ("ICC1", "ICC2"))
# Krippendorff's alpha at the four levels of measurement.
for _level in ("nominal", "ordinal", "interval", "ratio"):
    _register(f"alpha_{_level}", "any", lambda g, cats, level=_level: krippendorff_alpha_estimate(
        *g.columns, level, cats, confidence=g.confidence), reported=_level == "interval")
# Fleiss' kappa generalised to unequal numbers of ratings per unit (Gwet 2014).
_register("fleiss_kappa", "any", lambda g, cats: fleiss_kappa_estimate(*g.columns, cats, confidence=g.confidence))
# Gwet's AC1, and AC2 with quadratic weights on the declared scale.
_register("gwet_ac1", "declared", lambda g, cats: gwet_ac_estimate(*g.columns, None, cats, confidence=g.confidence))
_register("gwet_ac2", "declared",
          lambda g, cats: gwet_ac_estimate(*g.columns, "quadratic", cats, confidence=g.confidence), reported=True)
# Share of agreeing examiner pairs within an entry, exactly and within one scale step.
_register("percent_agreement", "any", lambda g, cats: percent_agreement_estimate(
    *g.columns, 0, categories=cats, confidence=g.confidence))
_register("percent_within_step", "any", lambda g, cats: percent_agreement_estimate(
    *g.columns, g.step, categories=cats, confidence=g.confidence), reported=True)
del _form, _level

COEFFICIENTS = tuple(_REGISTRY)
#: The coefficients the calibration report's agreement table shows, in registration order.
REPORTED = tuple(name for name, c in _REGISTRY.items() if c.reported)


# --------------------------------------------------------------------------------------
# the table
# --------------------------------------------------------------------------------------
def agreement_table(
    scores: pd.DataFrame,
    by=("criterion",),
    *,
    units: str = "entry_id",
    raters: str = "examiner_id",
    ratings: str = "score",
    rubric: Rubric | None = None,
    coefficients=COEFFICIENTS,
    confidence: float = 0.95,
    notes: str = "code",
) -> pd.DataFrame:
    """Agreement between examiners per group, every coefficient with its interval and counts.

    Parameters
    ----------
    scores : long-format scores, one row per rating (filter the stage first: agreement
        is about independent ratings, normally stage ``individual``).
    by : grouping columns, e.g. ``("criterion",)``, ``("year", "criterion")``,
        ``("class",)``; ``()`` for one overall row per coefficient.
    rubric : gives the declared categories (the scale) for Gwet's AC1/AC2 and the
        step of ``percent_within_step``; default the project rubric.
    coefficients : which of ``COEFFICIENTS`` to compute.
    notes : ``"code"`` (default): a tuple of :class:`~scoring.notes.Note` (as
        ``rank_entries``' note), empty for none, whose ``code`` is a key of :data:`NOTES`
        (a report writes it in Swedish, :func:`scoring.presentation.labels.note_text`);
        ``"text"``: an English sentence for the command line (an error's own message where
        the value could not be computed), "" for none.

    Returns
    -------
    DataFrame
        One row per group and coefficient: the ``by`` columns, then coefficient,
        estimate, ci_low, ci_high, se, n_units, n_raters, n_ratings, method (where the
        interval comes from) and note (why a value is missing).

    Notes
    -----
    The coefficients are those registered above, in that order. Intervals for the
    non-ICC coefficients are Gwet's (2014) analytic ones. Cohen's kappa is not in the
    table: it needs exactly two raters per design.
    Only AC1 and AC2 depend on the declared scale: scores off the rubric's steps give
    them NaN and a note, while the other coefficients, which cannot change with unused
    categories, are computed on the scores as they are. A coefficient that cannot be
    computed for a group (e.g. one examiner only) gets NaN and a note.
    """
    rubric = rubric or load_rubric()
    by = [by] if isinstance(by, str) else list(by)
    unknown = [c for c in coefficients if c not in _REGISTRY]
    if unknown:
        raise ValueError(f"unknown coefficient(s) {unknown}; choose from {', '.join(_REGISTRY)}")
    if notes not in _NOTE_FORMS:
        raise ValueError(f"notes must be one of {', '.join(_NOTE_FORMS)}, got {notes!r}")
    for col in by + [units, raters, ratings]:
        if col not in scores.columns:
            raise KeyError(f"column '{col}' not in the scores (columns: {', '.join(map(str, scores.columns))})")
    chosen = set(coefficients)
    wanted = [c for name, c in _REGISTRY.items() if name in chosen]
    scale = rubric.scale.values
    groups = scores.groupby(by, sort=True) if by else [((), scores)]
    rows = []
    for key, data in groups:
        key = key if isinstance(key, tuple) else (key,)
        g = _Group(data, units, raters, ratings, scale, rubric.scale.step, confidence)
        for coef in wanted:
            est, code, text = _compute(coef, g)
            note = text if notes == "text" else (Note(code),) if code else ()
            rows.append(dict(zip(by, key, strict=True)) | {"coefficient": coef.name, **_row(est), "note": note})
    return pd.DataFrame(rows, columns=by + COLUMNS)


def _compute(coef: _Coefficient, g: _Group) -> tuple[Estimate, str, str]:
    """``(Estimate, note code, note text)`` of one coefficient for one group."""
    try:
        e = coef.estimate(g, g.categories(coef.scale))
    except ValueError as err:
        return Estimate(np.nan), getattr(err, "code", "error"), str(err)
    if np.isfinite(e.estimate):
        return e, "", ""
    code = coef.undefined(g) if coef.undefined else "undefined"
    return e, code, NOTES.get(code, "")


def _row(e: Estimate) -> dict:
    return {
        "estimate": e.estimate, "ci_low": e.ci_low, "ci_high": e.ci_high, "se": e.se,
        "n_units": e.n_units, "n_raters": e.n_raters, "n_ratings": e.n_ratings, "method": e.method,
    }
