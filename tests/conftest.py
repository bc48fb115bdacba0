"""Shared pytest setup: a headless matplotlib backend, the helpers of
``tests/_helpers.py`` importable as ``_helpers``, and the hypothesis profiles.

Property tests run under the profile ``samlib`` (the default): derandomized, so that
a run is reproducible and fails the same way twice, without the example database or
deadlines (timings on a shared machine vary). ``--hypothesis-profile=thorough``
draws four times as many examples; the default draws 100, at least as many as any
property test drew before the profile existed.
"""

import sys
from pathlib import Path

import matplotlib
from hypothesis import settings

matplotlib.use("Agg")
sys.path.insert(0, str(Path(__file__).resolve().parent))

settings.register_profile(
    "samlib", max_examples=100, deadline=None, derandomize=True, database=None
)
settings.register_profile("thorough", settings.get_profile("samlib"), max_examples=400)
settings.load_profile("samlib")
