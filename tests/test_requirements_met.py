"""`tools/requirements_met.py`: when `make` may skip pip, and when it must not."""

from __future__ import annotations

from importlib import metadata

from _helpers import ROOT, load_module

requirements_met = load_module("requirements_met", ROOT / "tools/requirements_met.py")


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_the_repositorys_environment_is_complete():
    # the tests run in an environment installed from requirements.txt
    assert requirements_met.unmet(ROOT / "requirements.txt") == []


def test_a_wrong_or_missing_pin_is_unmet(tmp_path):
    numpy_version = metadata.version("numpy")
    path = write(
        tmp_path,
        "r.txt",
        f"numpy=={numpy_version}  # installed\n"
        "numpy==0.0.1\n"
        "not-a-package-of-this-book==1.0\n"
        "numpy>=0.1 ; python_version < '3'\n",
    )
    assert requirements_met.unmet(path) == [
        "numpy==0.0.1",
        "not-a-package-of-this-book==1.0",
    ]


def test_nested_files_are_read(tmp_path):
    write(tmp_path, "inner.txt", "numpy==0.0.1\n")
    outer = write(tmp_path, "outer.txt", "# comment\n-r inner.txt\n")
    assert requirements_met.unmet(outer) == ["numpy==0.0.1"]


def test_samlib_must_be_editable_from_this_checkout(tmp_path):
    here = write(tmp_path, "here.txt", f"-e {ROOT}\n")
    elsewhere = write(tmp_path, "elsewhere.txt", "-e .\n")
    assert requirements_met.unmet(here) == []
    assert requirements_met.unmet(elsewhere) == ["-e ."]


def test_an_unparsable_line_lets_pip_decide(tmp_path):
    path = write(tmp_path, "r.txt", "--index-url somewhere\nnumpy(==\n")
    assert requirements_met.unmet(path) == ["--index-url somewhere", "numpy(=="]
