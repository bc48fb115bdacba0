"""Every chapter opens with the Colab setup cell (``book/_ext/colab_cell.py``)."""

import re
import subprocess
import sys
import types
from pathlib import Path

import nbformat
import pytest

from _helpers import load_module

ROOT = Path(__file__).resolve().parents[1]


colab_cell = load_module("colab_cell", ROOT / "book/_ext" / "colab_cell.py")
repository = load_module("repository", ROOT / "book/_ext" / "repository.py")
CHAPTERS = colab_cell.chapters()


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapter_starts_with_the_colab_setup_cell(path):
    first = nbformat.read(path, as_version=4).cells[0]
    assert first.cell_type == "code"
    assert {"remove-cell", colab_cell.TAG} <= set(first.metadata.get("tags", []))
    url = colab_cell.cell_url(first.source)
    assert first.source == colab_cell.cell_source(url)


def test_colab_cells_install_from_the_repository_the_launch_buttons_open():
    urls = {colab_cell.cell_url(nbformat.read(p, 4).cells[0].source) for p in CHAPTERS}
    assert len(urls) == 1, f"the chapters disagree on the repository: {urls}"
    launch = repository.repository_url(str(ROOT))
    if launch is not None:  # the build has an address (CI, the Pages workflow)
        assert urls == {launch}, (
            f"the launch buttons open {launch} but the Colab cells install from "
            f"{urls.pop()}: run python book/_ext/colab_cell.py {launch}"
        )


def run_cell(monkeypatch, on_colab: bool):
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: calls.append((a, k)))
    widgets = []
    if on_colab:
        output = types.SimpleNamespace(
            enable_custom_widget_manager=lambda: widgets.append(True)
        )
        google = types.ModuleType("google")
        colab = types.ModuleType("google.colab")
        colab.output = output
        google.colab = colab
        monkeypatch.setitem(sys.modules, "google", google)
        monkeypatch.setitem(sys.modules, "google.colab", colab)
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    exec(colab_cell.cell_source("https://github.com/owner/repo"), {})
    return calls, widgets


def test_the_cell_does_nothing_outside_colab(monkeypatch):
    assert run_cell(monkeypatch, on_colab=False) == ([], [])


def test_on_colab_the_cell_installs_samlib_and_enables_widgets(monkeypatch):
    calls, widgets = run_cell(monkeypatch, on_colab=True)
    [(args, kwargs)] = calls
    assert args[0][1:5] == ["-m", "pip", "install", "-q"]
    assert args[0][-1] == "samlib[widgets] @ git+https://github.com/owner/repo"
    assert kwargs == {"check": True} and widgets == [True]


def test_cell_source_rejects_addresses_that_are_not_a_github_repository():
    for bad in ["", "https://example.org/x", "https://github.com/owner"]:
        with pytest.raises(ValueError, match=re.escape("github.com/<owner>/<repo>")):
            colab_cell.cell_source(bad)
