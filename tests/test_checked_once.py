"""Inputs are checked once, at samlib's public boundary; loops run on checked values.

Each test counts the calls of a check (patched in every samlib module that uses it)
and compares a long loop with a short one: the count must not grow with the number
of iterations. The checks themselves still reject bad input (``test_validation.py``).
"""

import importlib
import pkgutil

import numpy as np
import pytest

import samlib
from samlib import Quadratic, proof, run_gd, run_noisy_gd, run_sam, run_usam
from samlib.objectives import paper_objective, product_loss, sharpening_loss
from samlib.valley import drift_flow, predicted_valley_speed
from samlib.variants import run_momentum_sam

MODULES = [
    importlib.import_module(f"samlib.{m.name}")
    for m in pkgutil.iter_modules(samlib.__path__)
    if m.name not in ("widgets", "rendering", "plotting")
]


def count_calls(monkeypatch, name: str) -> list:
    """Patch the check ``name`` wherever samlib uses it; return the call log."""
    calls = []
    original = getattr(samlib._validation, name)

    def counting(*args, **kwargs):
        calls.append(args[1:2])
        return original(*args, **kwargs)

    for module in MODULES:
        if getattr(module, name, None) is original:
            monkeypatch.setattr(module, name, counting)
    return calls


def calls_for(monkeypatch, name, run, *sizes):
    calls = count_calls(monkeypatch, name)
    counts = []
    for size in sizes:
        calls.clear()
        run(size)
        counts.append(len(calls))
    return counts


RUNNERS = {
    "run_sam": lambda loss, n: run_sam(loss.grad, [1.5, 0.5], 0.1, 0.2, n),
    "run_usam": lambda loss, n: run_usam(loss.grad, [1.5, 0.5], 0.1, 0.2, n),
    "run_gd": lambda loss, n: run_gd(loss.grad, [1.5, 0.5], 0.1, n),
    "run_noisy_gd": lambda loss, n: run_noisy_gd(
        loss.grad, [1.5, 0.5], 0.1, 0.1, n, seed=0
    ),
    "run_momentum_sam": lambda loss, n: run_momentum_sam(
        loss.grad, [1.5, 0.5], 0.1, 0.2, 0.5, n
    ),
}
LOSSES = {
    "product": product_loss(),
    "paper": paper_objective(),
    "sharpening": sharpening_loss(),
    "quadratic": Quadratic([1.0, 0.5]),
}


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("runner", RUNNERS)
def test_runners_check_the_start_once_not_at_every_step(monkeypatch, runner, loss):
    counts = calls_for(
        monkeypatch, "as_points", lambda n: RUNNERS[runner](LOSSES[loss], n), 5, 200
    )
    assert counts[0] == counts[1] == 1, counts


def test_a_loss_still_checks_its_points_when_called_directly(monkeypatch):
    loss = product_loss()
    calls = count_calls(monkeypatch, "as_points")
    loss.grad([1.0, 2.0])
    loss.value(np.zeros((3, 2)))
    assert len(calls) == 2
    with pytest.raises(ValueError, match="last dimension d = 2"):
        run_sam(loss.grad, [1.0, 2.0, 3.0], 0.1, 0.1, 3)
    with pytest.raises(ValueError, match="finite"):
        loss.grad([np.nan, 1.0])


def test_lemma19_checks_the_eigenvalues_once(monkeypatch):
    calls = count_calls(monkeypatch, "as_eigenvalues")
    steps = proof.lemma19_steps([1.0, 0.5], 0.2, 1.0, 0.01, 2.0)
    assert steps > 0
    assert len(calls) == 1


@pytest.mark.parametrize("check", ["as_param", "as_points"])
def test_the_drift_flow_checks_its_parameters_once(monkeypatch, check):
    counts = calls_for(
        monkeypatch, check, lambda n: drift_flow(3.0, 0.1, 0.1, n, stride=5), 10, 200
    )
    assert counts[0] == counts[1], counts
    counts = calls_for(
        monkeypatch,
        check,
        lambda n: predicted_valley_speed(np.linspace(0.5, 3.0, n), 0.1, 0.1),
        2,
        40,
    )
    assert counts[0] == counts[1], counts
