"""Agreement between examiners: ICC, Krippendorff's alpha, kappas, Gwet's AC1/AC2, percent agreement.

Long-format DataFrames in (one row per rating), floats or tidy DataFrames out. Weights and
categories always come from the declared scale (``categories`` or the rubric), never from
the values that happen to occur. ``*_estimate`` functions add standard error, interval
and counts.
"""

from ._common import Estimate
from .chance import (
    agreement_weights,
    bootstrap_units,
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
from .icc import (
    g_study_p_x_r_in_t,
    icc,
    icc_oneway,
    icc_oneway_intrarater,
    icc_twoway_mixed,
    icc_twoway_random,
)
from .krippendorff import krippendorff_alpha, krippendorff_alpha_estimate
from .table import COEFFICIENTS, agreement_table

__all__ = [
    "agreement_table",
    "agreement_weights",
    "bootstrap_units",
    "brennan_prediger",
    "brennan_prediger_estimate",
    "COEFFICIENTS",
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
    "percent_agreement",
    "percent_agreement_estimate",
]
