"""Agreement between examiners: ICC, Krippendorff's alpha, kappas, Gwet's AC1/AC2, percent agreement.

Long-format DataFrames in (one row per rating), floats or tidy DataFrames out. Each
coefficient is one ``*_estimate`` function returning an :class:`Estimate` (value, standard
error, interval, counts and method); the function of the same name without ``_estimate``
returns its value as a float. :func:`agreement_table` gives every registered coefficient
per group.

Modules: :mod:`.chance` (kappas, Gwet's AC1/AC2, Brennan-Prediger, percent agreement),
:mod:`.krippendorff`, :mod:`.icc`, :mod:`.gstudy` (G and D study), :mod:`.table` (the
registry of coefficients behind :func:`agreement_table`, and :data:`NOTES`); private
:mod:`._coding` (ratings coded on a declared scale, agreement weights) and
:mod:`._inference` (Estimate, variances, bootstrap).

Which scale a coefficient uses:

- Coefficients whose value cannot depend on a category nobody used take any numeric
  ratings and never consult the rubric: Krippendorff's alpha at its four levels, percent
  agreement (exact or within a tolerance), Cohen's, Fleiss', Conger's and Light's
  unweighted kappa (and Fleiss' per-category kappas), every ICC.
- Coefficients that depend on the declared scale (Gwet's AC1/AC2, Brennan-Prediger and
  every weighted form: weighted kappas, alpha with Gwet's ``weights=``, weighted percent
  agreement) take their categories from ``categories`` or else the rubric's scale, never
  from the values that happen to occur; a rating off that scale is an error naming it.

Declared ``categories`` are always checked: a rating off them is an error.
"""

from ._coding import agreement_weights
from ._inference import Estimate, bootstrap_units
from .chance import (
    brennan_prediger,
    brennan_prediger_estimate,
    cohen_kappa,
    cohen_kappa_estimate,
    conger_kappa,
    conger_kappa_estimate,
    fleiss_kappa,
    fleiss_kappa_by_category,
    fleiss_kappa_estimate,
    gwet_ac,
    gwet_ac_estimate,
    light_kappa,
    light_kappa_estimate,
    percent_agreement,
    percent_agreement_estimate,
)
from .gstudy import g_study_p_x_r_in_t
from .icc import (
    icc,
    icc_oneway,
    icc_oneway_intrarater,
    icc_twoway_mixed,
    icc_twoway_random,
)
from .krippendorff import krippendorff_alpha, krippendorff_alpha_estimate
from .table import COEFFICIENTS, NOTES, REPORTED, agreement_table

__all__ = [
    "agreement_table",
    "agreement_weights",
    "bootstrap_units",
    "brennan_prediger",
    "brennan_prediger_estimate",
    "COEFFICIENTS",
    "REPORTED",
    "cohen_kappa",
    "cohen_kappa_estimate",
    "conger_kappa",
    "conger_kappa_estimate",
    "Estimate",
    "fleiss_kappa",
    "fleiss_kappa_by_category",
    "fleiss_kappa_estimate",
    "g_study_p_x_r_in_t",
    "gwet_ac",
    "gwet_ac_estimate",
    "icc",
    "icc_oneway",
    "icc_oneway_intrarater",
    "icc_twoway_mixed",
    "icc_twoway_random",
    "krippendorff_alpha",
    "krippendorff_alpha_estimate",
    "light_kappa",
    "light_kappa_estimate",
    "NOTES",
    "percent_agreement",
    "percent_agreement_estimate",
]
