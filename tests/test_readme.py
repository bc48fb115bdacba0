"""The README's "samlib in one minute" runs as written and says what it computes."""

import re
from pathlib import Path

import numpy as np

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_example_runs_and_its_comments_hold():
    text = README.read_text(encoding="utf-8")
    match = re.search(r"## samlib in one minute\n\n```python\n(.*?)```", text, re.S)
    assert match, "README.md lost its 'samlib in one minute' example"
    scope: dict = {}
    exec(compile(match[1], "README.md", "exec"), scope)
    c = 0.2 * 1.0 * 1.0 / (2 - 0.2 * 1.0)  # ηρλ1/(2 − ηλ1), Theorem 2
    cycle = scope["samlib"].limit_cycle([1.0, 0.5], eta=0.2, rho=1.0)
    np.testing.assert_allclose(np.abs(cycle), [[c, 0.0], [c, 0.0]], atol=1e-15)
    samlib = scope["samlib"]
    assert samlib.cycle_distance(scope["path"][-1], [1.0, 0.5], 0.2, 1.0) < 1e-9
    assert scope["grid"].shape == (101, 2, 3, 2)
    p = scope["p"]
    np.testing.assert_allclose(p.bounce + p.drift, p.step, rtol=1e-12, atol=1e-15)
