"""Reference versions of the tools the assignments' solutions use from samlib.

The hidden tests compute their expected values with the instructor's solutions. Where
a solution runs SAM or gradient descent with samlib, ``build.py`` copies the function
of the same name from this file into the test instead, so that the expected values do
not depend on the ``samlib`` of the student's kernel (which a submission could
change). ``tests/test_assignments.py`` checks that these agree with samlib.
"""

import numpy as np


def sam_step(w, grad, eta, rho):
    """One SAM step, eq. (2), from one point (no perturbation where ∇ℓ = 0)."""
    w = np.asarray(w, dtype=float)
    g = np.asarray(grad(w), dtype=float)
    norm = np.linalg.norm(g)
    direction = g / norm if norm > 0 else np.zeros_like(g)
    return w - eta * np.asarray(grad(w + rho * direction), dtype=float)


def run_sam(grad, w0, eta, rho, n_steps):
    """SAM iterates ``w_0, ..., w_n`` from one point, shape ``(n_steps + 1, d)``."""
    path = [np.asarray(w0, dtype=float)]
    for _ in range(n_steps):
        path.append(sam_step(path[-1], grad, eta, rho))
    return np.array(path)


def run_gd(grad, w0, eta, n_steps):
    """Gradient-descent iterates from one point, shape ``(n_steps + 1, d)``."""
    path = [np.asarray(w0, dtype=float)]
    for _ in range(n_steps):
        path.append(path[-1] - eta * np.asarray(grad(path[-1]), dtype=float))
    return np.array(path)
