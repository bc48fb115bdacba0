"""Chapter 7.1: the 2-cycle of Theorems 1–2 sits on SAM's edge of stability.

The chapter checks the proposition in the setting of Figure 1; here it is checked on
other spectra and step sizes: at the cycle points ``±(β1/λ1) e1`` the gradient norm
is ``β1``, the stability factor of SAM along ``e1`` is ``-1`` and SAM's edge computed
from that gradient norm is ``λ1``.
"""

import numpy as np
import pytest

from samlib import Quadratic, limit_cycle, quadratic_constants
from samlib.stability import sam_edge, sam_multiplier

SPECTRA = [
    ([1.0, 0.5], 0.2, 1.0),
    ([4.0, 2.0, 1.0], 0.1, 0.05),
    ([3.0, 0.1], 0.15, 0.3),
    ([1.0, 0.99, 0.2, 0.1], 0.4, 2.0),
]


@pytest.mark.parametrize(("lams", "eta", "rho"), SPECTRA)
def test_the_two_cycle_is_on_sams_edge(lams, eta, rho):
    for point in limit_cycle(lams, eta, rho):
        g_norm = np.linalg.norm(Quadratic(lams).grad(point))
        beta1 = quadratic_constants(lams, eta, rho).beta[0]
        assert g_norm == pytest.approx(beta1, rel=1e-14)
        assert eta * lams[0] + eta * rho * lams[0] ** 2 / g_norm == pytest.approx(2.0)
        assert sam_multiplier(lams[0], g_norm, eta, rho) == pytest.approx(-1.0)
        assert sam_edge(g_norm, eta, rho) == pytest.approx(lams[0], rel=1e-12)
        # the smaller eigenvalues are stable there: their factors lie in (-1, 1)
        for lam in lams[1:]:
            assert -1 < sam_multiplier(lam, g_norm, eta, rho) < 1
