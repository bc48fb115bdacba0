"""Shared pytest setup: a headless matplotlib backend for every test."""

import matplotlib

matplotlib.use("Agg")
