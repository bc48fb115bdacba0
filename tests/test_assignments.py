"""The course assignments in ``assignments/`` (otter-grader) and the student edition.

What is checked:

* the source notebooks are well formed: no outputs, an assignment config whose numpy and
  matplotlib pins match ``requirements.txt``, at least three questions each with public
  and hidden tests;
* ``assignments/build.py`` (the instructors' command) builds every assignment;
* the solution notebooks get full marks from the autograder zip (otter's own grading,
  run locally without Docker, as ``otter run`` does);
* the student notebooks contain no solution and no hidden test, and get zero;
* a solution with a wrong formula passes the public tests but loses points on the hidden
  ones (so hidden tests check values, not just types);
* the unanswered student notebooks run top to bottom with no error other than the
  ``NotImplementedError("qN: write <name>")`` raised by the answer stubs, directly or in
  a later cell that calls an unanswered function;
* the student edition of the book (``hide_solutions``) drops exercise solutions.

Tests that need otter-grader skip when it is not installed: it is an instructor-only
dependency (``pip install -r requirements-instructor.txt``).
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "assignments"
STUB_ERROR = re.compile(r"^q\d+: write \w+$")
# otter-grader 7.0 calls a pandas API that pandas 3 deprecates
pytestmark = [
    pytest.mark.acceptance,
    pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.drop"),
]


def _load_build():
    spec = importlib.util.spec_from_file_location(
        "assignments_build", SOURCES / "build.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load_build()
NAMES = build.ASSIGNMENTS

# A wrong formula per assignment that the public tests do not catch but hidden ones do:
# (question, text in the solution, replacement).
MUTANTS = {
    "sam_quadratics": (
        "q1",
        "direction = g / norm if norm > 0 else np.zeros_like(g)",
        "direction = g / norm",
    ),
    "sam_as_gd_on_J": (
        "q4",
        "path[-1] - eta * rho * grad_J(",
        "path[-1] - eta * grad_J(",
    ),
    "drift_to_wide_minima": (
        "q3",
        "factor = (1 + eta * lam1 / (2 - eta * lam1)) ** 2",
        "factor = 1 + eta * lam1 / (2 - eta * lam1)",
    ),
}


def _read(path: Path):
    return nbformat.read(path, as_version=4)


def _raw_blocks(nb, keyword: str) -> list[str]:
    return [
        cell.source
        for cell in nb.cells
        if cell.cell_type == "raw" and cell.source.lstrip().startswith(keyword)
    ]


# ---------------------------------------------------------------- without otter


def test_build_lists_every_source_notebook():
    assert sorted(p.stem for p in SOURCES.glob("*.ipynb")) == sorted(NAMES)
    assert set(MUTANTS) == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_source_notebook_is_well_formed(name):
    nb = _read(SOURCES / f"{name}.ipynb")
    dirty = [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count)
    ]
    assert not dirty, f"{name}: cells {dirty} carry outputs; strip them"

    (config_cell,) = _raw_blocks(nb, "# ASSIGNMENT CONFIG")
    config = yaml.safe_load(config_cell)
    assert config["name"] == name
    assert config["files"] == ["samlib"], "samlib must ship with the notebook"
    pins = dict(
        line.split("==")
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    )
    for requirement in config["requirements"]:
        package, version = requirement.split("==")
        assert pins.get(package) == version, (
            f"{requirement} differs from requirements.txt"
        )

    questions = [yaml.safe_load(q)["name"] for q in _raw_blocks(nb, "# BEGIN QUESTION")]
    assert len(questions) >= 3 and len(set(questions)) == len(questions)
    # every question has a public test (no config) and a hidden one
    text = "\n".join(cell.source for cell in nb.cells)
    for question, block in zip(
        questions, re.split(r"# BEGIN QUESTION", text)[1:], strict=True
    ):
        tests = block.split("# BEGIN TESTS")[1].split("# END TESTS")[0]
        functions = re.findall(r"^def (test_\w+)", tests, flags=re.M)
        hidden = re.findall(r"hidden: true\n.*?\ndef (test_\w+)", tests, flags=re.S)
        assert hidden, f"{name} {question} has no hidden test"
        assert set(functions) - set(hidden), f"{name} {question} has no public test"


def test_book_uses_solution_directives_that_the_student_edition_can_hide():
    """sphinx-exercise's hide_solutions drops ``{solution}`` directives; gated
    ``solution-start``/``solution-end`` pairs break the student-edition build."""
    pages = [*ROOT.glob("book/*.ipynb"), *ROOT.glob("book/*.md")]
    gated = [p.name for p in pages if "{solution-start}" in p.read_text()]
    assert not gated, f"gated solutions cannot be hidden: {gated}"


def test_student_edition_config_is_the_book_config_with_hidden_solutions():
    config = build.student_edition_config(ROOT)
    book = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["sphinx"]["config"]["hide_solutions"] is True
    del config["sphinx"]["config"]["hide_solutions"]
    for ext, path in (book.get("sphinx", {}).get("local_extensions") or {}).items():
        assert (
            Path(config["sphinx"]["local_extensions"][ext]) == (ROOT / path).resolve()
        )
        config["sphinx"]["local_extensions"][ext] = path
    assert config == book


def test_student_edition_hides_solutions(tmp_path):
    """Build a one-page book with the book's configuration, with and without the
    student-edition overrides: the solution is in the first and not in the second."""
    shutil.copy(ROOT / "_config.yml", tmp_path / "_config.yml")
    shutil.copytree(
        ROOT / "book", tmp_path / "book", ignore=shutil.ignore_patterns("*.ipynb")
    )
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/exercise_page\n")
    (tmp_path / "book" / "exercise_page.md").write_text(
        "# Exercises\n\n"
        "```{exercise}\n:label: ex-probe\n\nEXERCISE-TEXT-PROBE\n```\n\n"
        "```{solution} ex-probe\n:class: dropdown\n\nSOLUTION-TEXT-PROBE\n```\n"
    )
    subprocess.run(
        [build.JUPYTER_BOOK, "build", str(tmp_path), "-W", "-n", "--keep-going", "-q"],
        check=True,
        capture_output=True,
    )
    teacher = (tmp_path / "_build/html/book/exercise_page.html").read_text()
    html = build.build_student_edition(tmp_path, extra_args=["-q"])
    student = (html / "book/exercise_page.html").read_text()
    assert "EXERCISE-TEXT-PROBE" in teacher and "SOLUTION-TEXT-PROBE" in teacher
    assert "EXERCISE-TEXT-PROBE" in student
    assert "SOLUTION-TEXT-PROBE" not in student and 'class="solution' not in student


# ---------------------------------------------------------------- with otter


@pytest.fixture(scope="module")
def otter_api():
    pytest.importorskip(
        "otter",
        reason="otter-grader is an instructor dependency: "
        "pip install -r requirements-instructor.txt",
    )
    import otter.api

    return otter.api


@pytest.fixture(scope="module")
def built(otter_api, tmp_path_factory):
    """Every assignment built with the instructors' command (otter assign)."""
    dist = tmp_path_factory.mktemp("dist")
    return {
        name: build.build_assignment(name, dist, run_tests=False, quiet=True)
        for name in NAMES
    }


def _grade(otter_api, notebook: Path, autograder_zip: Path):
    return otter_api.grade_submission(str(notebook), str(autograder_zip), quiet=True)


@pytest.mark.parametrize("name", NAMES)
def test_build_outputs(built, name):
    paths = built[name]
    with zipfile.ZipFile(paths["autograder_zip"]) as zf:
        members = set(zf.namelist())
        tests = {m: zf.read(m).decode() for m in members if m.startswith("tests/")}
    assert "files/samlib/__init__.py" in members
    assert all("hidden=True" in source for source in tests.values())
    with zipfile.ZipFile(paths["student_zip"]) as zf:
        assert {f"{name}.ipynb", "samlib/__init__.py"} <= set(zf.namelist())


@pytest.mark.parametrize("name", NAMES)
def test_student_notebook_has_no_solutions_or_hidden_tests(built, name):
    student_nb = _read(built[name]["student"])
    student = json.dumps(student_nb.cells)
    for marker in ("SOLUTION", "BEGIN PROMPT", "BEGIN TESTS", "TEST CONFIG"):
        assert marker not in student
    public_tests = student_nb.metadata["otter"]["tests"]
    assert public_tests and all("hidden=True" not in t for t in public_tests.values())
    # no line of a solution block of the source survives
    source = "\n".join(c.source for c in _read(SOURCES / f"{name}.ipynb").cells)
    blocks = re.findall(
        r"# BEGIN SOLUTION NO PROMPT\n(.*?)# END SOLUTION", source, re.S
    )
    lines = {line.strip() for block in blocks for line in block.splitlines()}
    lines |= {m.strip() for m in re.findall(r"^(.*)# SOLUTION$", source, re.M)}
    # (signatures are shared with the stubs)
    leaked = {
        line
        for line in lines
        if len(line) > 12 and not line.startswith("def ") and line in student
    }
    assert blocks and not leaked, f"solution lines in the student notebook: {leaked}"


@pytest.mark.parametrize("name", NAMES)
def test_solutions_get_full_marks(otter_api, built, name):
    paths = built[name]
    results = _grade(otter_api, paths["autograder"], paths["autograder_zip"])
    assert results.possible >= 10
    assert results.total == results.possible, results.summary()
    for question, test_file in results.results.items():
        kinds = {r.test_case.hidden for r in test_file.test_case_results}
        assert kinds == {True, False}, f"{question} needs public and hidden tests"


@pytest.mark.parametrize("name", NAMES)
def test_unanswered_student_notebook_gets_zero(otter_api, built, name):
    paths = built[name]
    results = _grade(otter_api, paths["student"], paths["autograder_zip"])
    assert results.possible >= 10
    assert results.total == 0 < results.possible, results.summary()


@pytest.mark.parametrize("name", NAMES)
def test_hidden_tests_catch_a_wrong_formula(otter_api, built, name, tmp_path):
    question, right, wrong = MUTANTS[name]
    paths = built[name]
    nb = _read(paths["autograder"])
    hits = [cell for cell in nb.cells if right in cell.source]
    assert len(hits) == 1, f"the mutated line is not unique in {name}"
    hits[0].source = hits[0].source.replace(right, wrong)
    mutant = tmp_path / f"{name}.ipynb"
    nbformat.write(nb, mutant)
    results = _grade(otter_api, mutant, paths["autograder_zip"])
    cases = results.results[question].test_case_results
    assert all(r.passed for r in cases if not r.test_case.hidden), "public tests fail"
    assert any(not r.passed for r in cases if r.test_case.hidden), (
        "no hidden test fails"
    )
    assert results.get_score(question) < results.results[question].possible


@pytest.mark.parametrize("name", NAMES)
def test_student_notebook_runs_with_only_unanswered_errors(otter_api, built, name):
    from nbclient import NotebookClient

    path = built[name]["student"]
    nb = _read(path)
    questions = set(nb.metadata["otter"]["tests"])
    client = NotebookClient(
        nb,
        timeout=120,
        allow_errors=True,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    errors = []
    for i, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                errors.append((i, cell.source, output.ename, output.evalue))
    assert errors, "the unanswered notebook should reach a stub"
    for i, source, ename, evalue in errors:
        assert "grader.check" not in source, f"cell {i}: a check cell raised {ename}"
        assert ename == "NotImplementedError" and STUB_ERROR.match(evalue), (
            f"cell {i} raised {ename}: {evalue}"
        )
        assert evalue.split(":")[0] in questions
