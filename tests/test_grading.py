"""Grading of known-wrong submissions: the mutant bank.

Every assignment is built with ``assignments/build.py`` and a folder of submissions is
graded with the batch command, ``python assignments/grade.py`` (one ``otter run`` per
submission, no Docker): the solution (as a notebook and as an exported zip), the
unanswered student notebook, a file that is not a notebook, and the mutants of the table
``tests/assignment_mutants.yml``, each the solution with small edits of its source (so
that the bank follows the solution: an edit that no longer matches fails the test),
among them a cell that never ends and a cell that kills the kernel.

Checked: the solution gets full marks and the blank notebook zero; each mutant loses
points in the question it targets and keeps full marks elsewhere (except the questions
listed in ``also``, where a shared input makes isolation impossible), with a message
that names the question and the function; a hang, a crash and a corrupt file each get a
row with a status that says what happened, and the rest of the notebook is still graded.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
import yaml

from _helpers import load_module

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [
    pytest.mark.acceptance,
    pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.drop"),
]
TIMEOUT, CELL_TIMEOUT = 240, 10  # seconds, for the test; course.yml has the defaults
TABLE = Path(__file__).with_name("assignment_mutants.yml")


build = load_module("assignments_build", ROOT / "assignments" / "build.py")


@dataclass(frozen=True)
class Mutant:
    """The solution with ``edits`` applied, which must lose points in ``question``.

    ``says`` is text the question's feedback must contain (besides ``"<question>: "``);
    ``status`` is text the CSV's status must contain; ``also`` lists the other questions
    that may lose points too.
    """

    name: str
    question: str
    edits: tuple[tuple[str, str], ...]
    says: str
    status: str = "ok"
    also: tuple[str, ...] = ()


def _edit(spec: dict) -> tuple[str, str]:
    """One edit of the table as (text in the solution, replacement)."""
    if "before" in spec:
        return spec["before"], f"{spec['insert']}\n\n\n{spec['before']}"
    if "after" in spec:
        lines = "".join(f"    {line}\n" for line in spec["insert"].split("\n"))
        return spec["after"] + "\n", spec["after"] + "\n" + lines
    return spec["old"], spec["new"]


MUTANTS: dict[str, list[Mutant]] = {
    name: [
        Mutant(
            name=row["name"],
            question=row["question"],
            edits=tuple(_edit(e) for e in row["edits"]),
            says=row["says"],
            status=row.get("status", "ok"),
            also=tuple(row.get("also", ())),
        )
        for row in rows
    ]
    for name, rows in yaml.safe_load(TABLE.read_text(encoding="utf8")).items()
}
CASES = [(name, m) for name, mutants in MUTANTS.items() for m in mutants]


def mutate(nb, mutant: Mutant):
    """A copy of the solution notebook ``nb`` with the mutant's edits."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    for old, new in mutant.edits:
        hits = [c for c in nb.cells if c.cell_type == "code" and old in c.source]
        assert len(hits) == 1, (
            f"{mutant.name}: {old!r} is in {len(hits)} cells of the solution, not 1; "
            "update the mutant to follow the solution"
        )
        assert hits[0].source.count(old) == 1, f"{mutant.name}: {old!r} is not unique"
        hits[0].source = hits[0].source.replace(old, new)
    return nb


def grade_folder(name, folder, csv_path, paths, timeout, cell_timeout, *more):
    """Grade a folder of submissions with the documented batch command, grade.py."""
    command = [sys.executable, str(ROOT / "assignments" / "grade.py"), name]
    command += [str(folder), "-o", str(csv_path)]
    command += ["--autograder", str(paths["autograder_zip"])]
    command += ["--timeout", str(timeout), "--cell-timeout", str(cell_timeout), *more]
    subprocess.run(command, check=True, cwd=ROOT)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Every assignment built, and its folder of submissions graded by grade.py."""
    pytest.importorskip("otter", reason="pip install -r requirements-instructor.txt")
    dist = tmp_path_factory.mktemp("dist")
    out = {}
    built = {
        name: build.build_assignment(name, dist, run_tests=False, quiet=True)
        for name in MUTANTS
    }
    for i, name in enumerate(MUTANTS):
        paths = built[name]
        other = built[list(MUTANTS)[i - 1]]["student"]
        folder = tmp_path_factory.mktemp(f"submissions-{name}")
        solution = nbformat.read(paths["autograder"], as_version=4)
        nbformat.write(solution, folder / "solution.ipynb")
        nbformat.write(
            nbformat.read(paths["student"], as_version=4), folder / "blank.ipynb"
        )
        (folder / "corrupt.ipynb").write_text(
            nbformat.writes(solution)[:2000], encoding="utf8"
        )
        shutil.copy(other, folder / "another_assignment.ipynb")
        with zipfile.ZipFile(folder / "solution_exported.zip", "w") as zf:
            zf.write(paths["autograder"], f"{name}.ipynb")
        for mutant in MUTANTS[name]:
            nbformat.write(mutate(solution, mutant), folder / f"{mutant.name}.ipynb")
        csv_path = folder.parent / f"{name}-grades.csv"
        start = time.monotonic()
        grade_folder(
            name, folder, csv_path, paths, TIMEOUT, CELL_TIMEOUT, "--jobs", "2"
        )
        print(
            f"{name}: {len(list(folder.iterdir()))} submissions graded in "
            f"{time.monotonic() - start:.0f} s"
        )
        with open(csv_path, encoding="utf8") as f:
            rows = {row["submission"]: row for row in csv.DictReader(f)}
        feedback = csv_path.with_name(f"{csv_path.stem}-feedback")
        out[name] = {
            "rows": rows,
            "feedback": feedback,
            "zip": paths["autograder_zip"],
            "paths": paths,
        }
    return out


def _points(autograder_zip) -> dict[str, float]:
    grade = load_module("assignments_grade", ROOT / "assignments" / "grade.py")
    return grade.question_points(autograder_zip)


def _feedback(graded, name, submission, question) -> str:
    results = json.loads(
        (graded[name]["feedback"] / f"{submission}.json").read_text(encoding="utf8")
    )
    return "\n".join(t["output"] for t in results["tests"] if t.get("name") == question)


@pytest.mark.parametrize("name", list(MUTANTS))
def test_solution_full_marks_blank_zero(graded, name):
    rows, points = graded[name]["rows"], _points(graded[name]["zip"])
    assert sum(points.values()) >= 15 and all(p == int(p) for p in points.values())
    for submission in ("solution.ipynb", "solution_exported.zip"):
        row = rows[submission]
        assert row["status"] == "ok", row
        assert float(row["total"]) == float(row["possible"]) == sum(points.values()), (
            row
        )
    blank = rows["blank.ipynb"]
    assert blank["status"] == "ok" and float(blank["total"]) == 0, blank


@pytest.mark.parametrize("name", list(MUTANTS))
def test_corrupt_file_or_wrong_notebook_gets_a_row_of_zeros(graded, name):
    row = graded[name]["rows"]["corrupt.ipynb"]
    assert row["status"].startswith("unreadable notebook"), row
    assert float(row["total"]) == 0
    row = graded[name]["rows"]["another_assignment.ipynb"]
    assert "Received submission for assignment" in row["status"], row
    assert float(row["total"]) == 0


@pytest.mark.parametrize(
    ("name", "mutant"), CASES, ids=[f"{n}-{m.name}" for n, m in CASES]
)
def test_mutant_loses_points_in_its_question(graded, name, mutant):
    row = graded[name]["rows"][f"{mutant.name}.ipynb"]
    points = _points(graded[name]["zip"])
    assert mutant.status in row["status"], row["status"]
    assert float(row[mutant.question]) < points[mutant.question], (
        f"{mutant.name} keeps all the points of {mutant.question}: {row}"
    )
    kept = {
        q: float(row[q])
        for q in points
        if q != mutant.question and q not in mutant.also
    }
    lost = {q: s for q, s in kept.items() if s < points[q]}
    assert not lost, f"{mutant.name} also loses points in {lost}: {row}"
    message = _feedback(graded, name, mutant.name, mutant.question)
    assert f"{mutant.question}: " in message and mutant.says in message, message
    assert "NoneType" not in message and "not callable" not in message, message


def test_notebook_timeout_stops_a_cell_that_defeats_the_cell_limit(graded, tmp_path):
    """A cell that ignores the cell time limit (it ignores SIGALRM) hangs the kernel:
    the notebook's time limit stops the run, that cell is removed, the rest graded."""
    name = "sam_quadratics"
    paths = graded[name]["paths"]
    code = (
        "import signal\n\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
        "while True:\n    pass"
    )
    definition = "def beta(lams, eta, rho):"
    mutant = Mutant(
        "unstoppable", "q3", ((definition, f"{code}\n\n\n{definition}"),), "beta"
    )
    folder = tmp_path / "submissions"
    folder.mkdir()
    solution = nbformat.read(paths["autograder"], as_version=4)
    nbformat.write(mutate(solution, mutant), folder / "unstoppable.ipynb")
    csv_path = tmp_path / "grades.csv"
    grade_folder(name, folder, csv_path, paths, 40, 5)
    with open(csv_path, encoding="utf8") as f:
        (row,) = list(csv.DictReader(f))
    assert "ran past the time limit of 40 s" in row["status"], row
    points = _points(paths["autograder_zip"])
    assert float(row["q3"]) == 0
    assert all(float(row[q]) == points[q] for q in points if q != "q3"), row
