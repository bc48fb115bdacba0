"""samlib: the numpy companion to *The Dynamics of Sharpness-Aware Minimization*.

The mathematics of Bartlett, Long & Bousquet (JMLR 2023) as small pure functions:

* steps and runners: :func:`sam_step` (eq. 2), :func:`usam_step`, :func:`gd_step`,
  :func:`run_sam`, :func:`run_usam`, :func:`run_gd`, :func:`run_noisy_gd`;
* quadratics (Sections 3–4): :class:`Quadratic`, :func:`quadratic_constants`
  (Lemma 5), :func:`limit_cycle` (Theorems 1–2), :func:`theorem3_steps` (from
  :mod:`samlib.proof`);
* the potential J (Proposition 8, Lemma 10): :func:`J`, :func:`grad_J`,
  :func:`hess_J`, :func:`J_stationary_points`, :func:`sign_flip`;
* Hessian drift (Section 5): :func:`top_eigenpair`, :func:`grad_lambda_max`,
  :func:`theorem21_prediction`;
* losses: :class:`Objective` and every loss of the book in :mod:`samlib.objectives`;
* :mod:`samlib.proof` (the quantities of Lemmas 4–20 and Theorem 3),
  :mod:`samlib.stability` (edges of stability of GD, SAM and USAM),
  :mod:`samlib.valley` (the valley xy = 1 and drift speeds),
  :mod:`samlib.variants` (momentum and stochastic SAM),
  :mod:`samlib.network` (a two-layer network with Hessian-vector products);
* the labs of Chapter 7: :mod:`samlib.widths` (measures of the width of a minimum),
  :mod:`samlib.margins` (the max-margin direction of the logistic loss),
  :mod:`samlib.line_derivatives` (derivatives from a few gradients along a line),
  :mod:`samlib.generalisation` (the digits study) and :mod:`samlib.local_potential`
  (a local Lemma 10 and the saddles of J);
* results tables: :mod:`samlib.tables`;
* figures: :mod:`samlib.plotting` (palette, style, contours and paths),
  :mod:`samlib.widgets` (live explorers and their static sweeps) and
  :mod:`samlib.rendering` (the partial redraws and animations behind them).
"""

from samlib.drift import (
    Theorem21Prediction,
    grad_lambda_max,
    theorem21_prediction,
    top_eigenpair,
)
from samlib.objectives import Objective
from samlib.potential import (
    J,
    J_gd_step,
    J_stationary_points,
    StationaryPoint,
    grad_J,
    hess_J,
    lemma10_decrease_bound,
    sign_flip,
)
from samlib.proof import theorem3_steps, theorem3_terms
from samlib.quadratic import (
    Quadratic,
    QuadraticConstants,
    cycle_distance,
    limit_cycle,
    quadratic_constants,
    require_assumptions,
    violated_assumptions,
)
from samlib.steps import (
    DivergenceError,
    gd_step,
    noisy_gd_step,
    normalize,
    run_gd,
    run_noisy_gd,
    run_sam,
    run_usam,
    sam_ascent_point,
    sam_step,
    usam_step,
)

__version__ = "0.1.0"

__all__ = [
    "DivergenceError",
    "J",
    "J_gd_step",
    "J_stationary_points",
    "Objective",
    "Quadratic",
    "QuadraticConstants",
    "StationaryPoint",
    "Theorem21Prediction",
    "cycle_distance",
    "gd_step",
    "grad_J",
    "grad_lambda_max",
    "hess_J",
    "lemma10_decrease_bound",
    "limit_cycle",
    "noisy_gd_step",
    "normalize",
    "quadratic_constants",
    "require_assumptions",
    "run_gd",
    "run_noisy_gd",
    "run_sam",
    "run_usam",
    "sam_ascent_point",
    "sam_step",
    "sign_flip",
    "theorem3_steps",
    "theorem3_terms",
    "theorem21_prediction",
    "top_eigenpair",
    "usam_step",
    "violated_assumptions",
]
