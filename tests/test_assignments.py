"""The course assignments in ``assignments/``: their sources and what they build.

Without otter-grader (fast, in ``make test``):

* ``course.yml`` lists every source notebook; the assignments cover at least eight of
  the book's chapter pages, each in ``_toc.yml``;
* each source notebook is well formed: no outputs, the assignment config (pins as in
  ``requirements.txt``, ``samlib`` shipped, PDF export on), integer points, every
  autograded question with a public test worth 0 points and hidden tests whose integer
  points add up to the question's, one manually graded question with a model answer
  and a rubric in ``assignments/rubrics.md``;
* no test uses samlib, and every ``from reference import ...`` resolves to code without
  samlib (so nothing in the student's kernel can change an expected value);
* the samlib shipped with an assignment contains none of the functions it asks for,
  nor the samlib functions that would answer it (``withheld`` in ``course.yml``);
* ``reference.py`` and the instructor's solutions agree with samlib's public API
  (independent implementations of the same formulas).

With otter-grader (``acceptance``): the built student and autograder folders and zips,
no solution line or hidden test in anything a student receives (notebook metadata
included), a truthful "check all" cell, the unanswered student notebooks running top to
bottom with no error but their stubs', and the PDF of a manually graded answer. The
grading of wrong submissions is in ``test_grading.py``.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import numpy as np
import pytest
import yaml

import samlib
from _helpers import load_module
from samlib.objectives import paper_objective, product_loss, sharpening_loss
from samlib.stability import gd_edge, sam_edge

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "assignments"
STUB_ERROR = re.compile(r"^q\d+: write \w+$")


build = load_module("assignments_build", SOURCES / "build.py")
grade = load_module("assignments_grade", SOURCES / "grade.py")
reference = load_module("assignments_reference", SOURCES / "reference.py")
NAMES = build.ASSIGNMENTS
COURSE = build.assignments()


def _read(path: Path):
    return nbformat.read(path, as_version=4)


def _questions(nb) -> list[dict]:
    return [
        yaml.safe_load(c.source.split("\n", 1)[1])
        for c in nb.cells
        if c.cell_type == "raw" and c.source.lstrip().startswith("# BEGIN QUESTION")
    ]


def _config(nb) -> dict:
    (cell,) = [
        c
        for c in nb.cells
        if c.cell_type == "raw" and c.source.lstrip().startswith("# ASSIGNMENT CONFIG")
    ]
    return yaml.safe_load(cell.source)


def _tests_by_question(nb) -> dict[str, list[dict]]:
    """Each question's tests: name, hidden, points (from the test config)."""
    out, question = {}, None
    for cell in nb.cells:
        text = cell.source.lstrip()
        if cell.cell_type == "raw" and text.startswith("# BEGIN QUESTION"):
            question = yaml.safe_load(text.split("\n", 1)[1])["name"]
            out[question] = []
        if cell in build.test_cells(nb):
            config = yaml.safe_load(
                cell.source.split("# BEGIN TEST CONFIG")[1].split('"""')[0]
            )
            name = re.search(r"^def (test_\w+)", cell.source, re.M)[1]
            out[question].append({"name": name, **config})
    return out


def _solutions(name: str) -> dict:
    """The instructor's functions of assignment ``name``, executed."""
    nb = _read(SOURCES / f"{name}.ipynb")
    pool = build.reference_pool(nb)
    names = [n for n in pool if not n.startswith("test_")]
    namespace = {"np": np}
    exec(build.reference_code(names, pool), namespace)
    return namespace


# ---------------------------------------------------------------- without otter


def test_course_lists_every_notebook_and_covers_eight_chapters():
    assert sorted(p.stem for p in SOURCES.glob("*.ipynb")) == sorted(NAMES)
    assert len(NAMES) >= 5
    toc = (ROOT / "_toc.yml").read_text()
    chapters = {c for a in COURSE.values() for c in a.chapters}
    for chapter in chapters:
        (page,) = ROOT.glob(f"book/{chapter}_*.ipynb")
        assert f"book/{page.stem}" in toc, page
    assert len(chapters) >= 8, sorted(chapters)


@pytest.mark.parametrize("name", NAMES)
def test_source_notebook_is_well_formed(name):
    nb = _read(SOURCES / f"{name}.ipynb")
    dirty = [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count)
    ]
    assert not dirty, f"{name}: cells {dirty} carry outputs; strip them"
    config = _config(nb)
    assert config["name"] == name
    assert config["files"] == ["samlib"], "the samlib subset ships with the notebook"
    assert config["export_cell"]["pdf"] is True
    assert config["generate"]["pdf_via_html"] is True
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

    questions = _questions(nb)
    assert len(questions) >= 5 and len({q["name"] for q in questions}) == len(questions)
    assert all(isinstance(q["points"], int) and q["points"] > 0 for q in questions)
    manual = [q for q in questions if q.get("manual")]
    assert len(manual) == 1, f"{name}: one manually graded derivation"
    tests = _tests_by_question(nb)
    for q in questions:
        if q.get("manual"):
            assert not tests.get(q["name"])
            continue
        cases = tests[q["name"]]
        public = [t for t in cases if not t.get("hidden")]
        hidden = [t for t in cases if t.get("hidden")]
        assert public and all(t["points"] == 0 for t in public), (name, q)
        assert hidden and all(isinstance(t["points"], int) for t in hidden), (name, q)
        assert sum(t["points"] for t in hidden) == q["points"], (name, q)


@pytest.mark.parametrize("name", NAMES)
def test_manual_question_has_a_model_answer_and_a_rubric(name):
    nb = _read(SOURCES / f"{name}.ipynb")
    (manual,) = [q for q in _questions(nb) if q.get("manual")]
    text = "\n".join(c.source for c in nb.cells)
    block = text.split(f"name: {manual['name']}\nmanual: true")[1]
    answer = block.split("# BEGIN SOLUTION")[1].split("# END SOLUTION")[0]
    assert len(answer.split()) > 60, f"{name}: the model answer is too short"
    rubrics = (SOURCES / "rubrics.md").read_text(encoding="utf8")
    section = rubrics.split(f"## {name}")[1].split("\n## ")[0]
    assert f"{manual['name']}" in section
    marks = [int(m) for m in re.findall(r"\*\*(\d+) points?\*\*", section)]
    assert sum(marks) == manual["points"], f"{name}: rubric marks {marks}"


@pytest.mark.parametrize("name", NAMES)
def test_tests_do_not_use_samlib_and_references_resolve(name):
    nb = _read(SOURCES / f"{name}.ipynb")
    for cell in build.test_cells(nb):
        assert not re.search(r"\bsamlib\b", cell.source), cell.source[:300]
    inlined = build.self_contained(nb)
    for cell in build.test_cells(inlined):
        assert "from reference import" not in cell.source
        assert "from grading_kit import" not in cell.source
        ast.parse(cell.source)
        assert not re.search(r"\bsamlib\b", cell.source)


def test_instructors_page_covers_the_course():
    """Every assignment and chapter is in the syllabus; every exercise it names exists;
    its tables stay narrow enough for a phone (few columns)."""
    page = (ROOT / "book" / "instructors.md").read_text(encoding="utf8")
    for name, assignment in COURSE.items():
        assert f"`{name}`" in page, name
        for chapter in assignment.chapters:
            (notebook,) = ROOT.glob(f"book/{chapter}_*.ipynb")
            assert "{doc}`" + notebook.stem + "`" in page, notebook.stem
    labels = set(re.findall(r"\{ref\}`[^`<]*<(ex-[\w-]+)>`", page))
    book = "".join(p.read_text(encoding="utf8") for p in ROOT.glob("book/*.ipynb"))
    assert labels and all(f":label: {label}" in book for label in labels)
    widest = max(
        line.count("|") - 1 for line in page.splitlines() if line.startswith("|")
    )
    assert widest <= 4, f"a table of {widest} columns is too wide for a phone"


def test_reference_code_refuses_samlib():
    pool = {"f": ast.parse("def f(w):\n    return samlib.sam_step(w)").body[0]}
    with pytest.raises(ValueError, match="samlib"):
        build.reference_code(["f"], pool)


@pytest.mark.parametrize("name", NAMES)
def test_shipped_samlib_has_no_answer(name, tmp_path):
    assignment = COURSE[name]
    package = build.write_samlib_subset(assignment.samlib, tmp_path)
    defined = set()
    for path in package.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf8"))
        defined |= {
            n.name
            for n in ast.walk(tree)
            if isinstance(n, ast.FunctionDef | ast.ClassDef)
        }
        assert "Examples" not in path.read_text(encoding="utf8")
    nb = _read(SOURCES / f"{name}.ipynb")
    asked = {
        n for c in build.solution_cells(nb) for n in build._function_defs(c.source)
    }
    assert asked, f"{name}: no function asked for"
    assert not defined & asked, f"the shipped samlib defines {defined & asked}"
    assert not defined & set(assignment.withheld), defined & set(assignment.withheld)
    code = (
        "import samlib, sys; "
        f"assert sorted(samlib.__all__) == {sorted(assignment.samlib)!r}; "
        f"assert all(callable(getattr(samlib, n)) for n in {list(assignment.samlib)!r})"
    )
    subprocess.run([sys.executable, "-c", code], cwd=tmp_path, check=True)
    # samlib is installed (editable) in this environment: its other modules must still
    # be out of reach from the assignment's folder
    for module in ("stability", "quadratic", "potential", "drift", "objectives"):
        if (package / f"{module}.py").exists():
            continue
        probe = subprocess.run(
            [sys.executable, "-c", f"import samlib.{module}"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
        )
        assert probe.returncode != 0 and "ModuleNotFoundError" in probe.stderr, (
            f"samlib.{module} is importable next to the {name} notebook"
        )


def test_samlib_subset_runs_sam_like_samlib(tmp_path):
    build.write_samlib_subset(["Quadratic", "run_sam"], tmp_path)
    code = (
        "import samlib; "
        "grad = samlib.Quadratic([1.0, 0.5]).grad; "
        "print(samlib.run_sam(grad, [2.0, 2.0], 0.2, 1.0, 400)[-1, 0])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
    )
    expected = samlib.run_sam(
        samlib.Quadratic([1.0, 0.5]).grad, [2.0, 2.0], 0.2, 1.0, 400
    )
    assert float(out.stdout) == pytest.approx(expected[-1, 0], rel=1e-12)


def test_reference_agrees_with_samlib():
    rng = np.random.default_rng(7)
    loss = paper_objective()
    for _ in range(10):
        w = rng.normal(size=2)
        eta, rho = rng.uniform(0.05, 0.3), rng.uniform(0.1, 1.5)
        assert np.allclose(
            reference.sam_step(w, loss.grad, eta, rho),
            samlib.sam_step(w, loss.grad, eta, rho),
            rtol=1e-12,
        )
        assert np.allclose(
            reference.run_sam(loss.grad, w, eta, rho, 20),
            samlib.run_sam(loss.grad, w, eta, rho, 20),
            rtol=1e-10,
        )
        assert np.allclose(
            reference.run_gd(loss.grad, w, eta, 20),
            samlib.run_gd(loss.grad, w, eta, 20),
            rtol=1e-12,
        )
    assert np.array_equal(
        reference.sam_step(np.zeros(2), loss.grad, 0.1, 1.0), np.zeros(2)
    )


def test_solutions_agree_with_samlib():
    """The instructor's solutions, against the book's library (its public API)."""
    rng = np.random.default_rng(8)
    a1, a2 = _solutions("sam_quadratics"), _solutions("sam_as_gd_on_J")
    a3, a4, a5 = (
        _solutions(n)
        for n in ("drift_to_wide_minima", "edge_of_stability", "paper_simulations")
    )
    for _ in range(10):
        lams = np.sort(rng.uniform(0.1, 3.0, 4))[::-1]
        eta, rho = rng.uniform(0.05, 0.45) / lams[0], rng.uniform(0.1, 2.0)
        w = rng.normal(size=4)
        quad, const = samlib.Quadratic(lams), samlib.quadratic_constants(lams, eta, rho)
        assert np.allclose(
            a1["sam_step"](w, quad.grad, eta, rho),
            samlib.sam_step(w, quad.grad, eta, rho),
        )
        assert np.allclose(a1["sam_map"](w, lams, eta, rho), quad.sam_map(w, eta, rho))
        assert np.allclose(a1["beta"](lams, eta, rho), const.beta)
        assert np.allclose(
            a1["two_cycle"](lams, eta, rho), samlib.limit_cycle(lams, eta, rho)
        )
        assert np.isclose(
            a1["distance_to_cycle"](w, lams, eta, rho),
            samlib.cycle_distance(w, lams, eta, rho),
        )
        mine = a2["lemma5_constants"](lams, eta, rho)
        for key in ("gamma", "beta", "alpha", "b"):
            assert np.allclose(mine[key], getattr(const, key)), key
        assert np.isclose(a2["J_value"](w, lams, eta, rho), samlib.J(w, lams, eta, rho))
        assert np.allclose(
            a2["grad_J"](w, lams, eta, rho), samlib.grad_J(w, lams, eta, rho)
        )
        assert np.allclose(
            a2["hess_J"](w, lams, eta, rho), samlib.hess_J(w, lams, eta, rho)
        )
        points = [p.point for p in samlib.J_stationary_points(lams, eta, rho)]
        assert np.allclose(a2["stationary_points"](lams, eta, rho), points)
        path = samlib.run_sam(quad.grad, w, eta, rho, 10)
        assert np.allclose(a2["sign_flip"](path), samlib.sign_flip(path))
        assert np.allclose(a2["gd_on_J"](w, lams, eta, rho, 10), samlib.sign_flip(path))
    valley = product_loss()
    for _ in range(10):
        w = rng.uniform(0.3, 2.0, 2)
        assert np.allclose(a3["grad"](w), valley.grad(w)) and np.allclose(
            a3["hess"](w), valley.hess(w)
        )
        assert np.allclose(a3["d3"](w), valley.d3(w))
        assert np.allclose(
            a3["grad_lambda_max"](valley.hess, valley.d3, w),
            samlib.grad_lambda_max(valley, w),
        )
        wz = np.array([w[0], 1 / w[0]])
        p = samlib.theorem21_prediction(valley, wz, 0.05, 0.1)
        bounce, drift = a3["bounce_and_drift"](valley.hess, valley.d3, wz, 0.05, 0.1)
        assert np.allclose(bounce, p.bounce) and np.allclose(drift, p.drift)
    stiff = sharpening_loss(alpha=0.3, y_star=3.3)
    for _ in range(10):
        w, g = rng.normal(size=2), rng.uniform(0.01, 3.0)
        eta, rho = rng.uniform(0.05, 0.4), rng.uniform(0.05, 1.0)
        assert np.allclose(a4["sharpening_grad"](w, 0.3, 3.3), stiff.grad(w))
        assert np.allclose(a4["sharpening_hess"](w, 0.3, 3.3), stiff.hess(w))
        assert np.isclose(a4["sam_edge"](g, eta, rho), sam_edge(g, eta, rho))
        assert np.isclose(a4["gd_edge"](eta), gd_edge(eta))
        edge = a4["usam_edge"](eta, rho)
        assert np.isclose(a4["usam_multiplier"](edge, eta, rho), -1.0)
        loss = paper_objective()
        assert np.isclose(a5["paper_loss"](w), loss.value(w))
        assert np.allclose(a5["paper_grad"](w), loss.grad(w)) and np.allclose(
            a5["paper_hess"](w), loss.hess(w)
        )
        assert np.allclose(
            a5["noisy_gd"](loss.grad, w, eta, 0.5, 15, seed=3),
            samlib.run_noisy_gd(loss.grad, w, eta, 0.5, 15, seed=3),
        )
    ends = samlib.run_sam(paper_objective().grad, (0.1, 0.1), 0.2, 0.5, 500)[-2:]
    cycle = a5["axis_cycle"](0.2, 0.5)
    assert np.allclose(np.sort(ends[:, 0]), np.sort(cycle[:, 0]), atol=1e-9)
    assert np.allclose(ends[:, 1], 0, atol=1e-9) and np.allclose(cycle[:, 1], 0)
    assert a5["drift_threshold"](0.2) == pytest.approx(0.8)


# ---------------------------------------------------------------- with otter


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Every assignment built with the instructors' command (otter assign)."""
    pytest.importorskip("otter", reason="pip install -r requirements-instructor.txt")
    dist = tmp_path_factory.mktemp("dist")
    return {
        name: build.build_assignment(name, dist, run_tests=False, quiet=True)
        for name in NAMES
    }


@pytest.mark.acceptance
@pytest.mark.parametrize("name", NAMES)
def test_build_outputs(built, name):
    paths = built[name]
    with zipfile.ZipFile(paths["autograder_zip"]) as zf:
        members = set(zf.namelist())
        tests = {m: zf.read(m).decode() for m in members if m.startswith("tests/")}
        config = json.loads(zf.read("otter_config.json"))
    assert "files/samlib/__init__.py" in members
    assert config["pdf_via_html"] is True and config["filtering"] is True
    for source in tests.values():
        assert not re.search(r"^\s*(import samlib|from samlib)", source, re.M)
        assert "hidden=True" in source and "points=0, hidden=False" in source
    with zipfile.ZipFile(paths["student_zip"]) as zf:
        shipped = set(zf.namelist())
    assert {f"{name}.ipynb", "samlib/__init__.py"} <= shipped
    assert not any(m.startswith("tests/") for m in shipped)


@pytest.mark.acceptance
@pytest.mark.parametrize("name", NAMES)
def test_student_files_hold_no_solution_or_hidden_test(built, name):
    paths = built[name]
    student_nb = _read(paths["student"])
    whole = json.dumps(student_nb)  # cells and metadata (the public tests live there)
    for marker in (
        "SOLUTION",
        "BEGIN PROMPT",
        "BEGIN TESTS",
        "TEST CONFIG",
        "hidden=True",
    ):
        assert marker not in whole, marker
    public = student_nb.metadata["otter"]["tests"]
    assert set(public) == {
        q["name"]
        for q in _questions(_read(SOURCES / f"{name}.ipynb"))
        if not q.get("manual")
    }
    source = "\n".join(
        c.source for c in build.solution_cells(_read(SOURCES / f"{name}.ipynb"))
    )
    blocks = re.findall(
        r"# BEGIN SOLUTION NO PROMPT\n(.*?)# END SOLUTION", source, re.S
    )
    lines = {line.strip() for block in blocks for line in block.splitlines()}
    lines |= {m.strip() for m in re.findall(r"^(.*)# SOLUTION$", source, re.M)}
    # lines that the notebook shows anyway (prompts, given code, public tests) are not
    # answers: only lines found nowhere but in the solutions count
    outside = (
        "\n".join(
            re.sub(
                r"# BEGIN SOLUTION NO PROMPT\n.*?# END SOLUTION",
                "",
                c.source,
                flags=re.S,
            )
            for c in _read(SOURCES / f"{name}.ipynb").cells
            if not c.source.lstrip().startswith("# ASSIGNMENT CONFIG")
        )
        + build.kit_code()
    )  # the kit is copied into the public tests
    leaked = {
        line
        for line in lines
        if len(line) > 12 and line in whole and line not in outside
    }
    assert blocks and not leaked, f"solution lines in the student notebook: {leaked}"
    with zipfile.ZipFile(paths["student_zip"]) as zf:
        everything = "".join(
            zf.read(m).decode("utf8", "replace") for m in zf.namelist()
        )
    # the model derivation does not ship either
    nb = _read(SOURCES / f"{name}.ipynb")
    (q,) = [q for q in _questions(nb) if q.get("manual")]
    text = "\n".join(c.source for c in nb.cells)
    answer = text.split(f"name: {q['name']}\nmanual: true")[1].split(
        "# BEGIN SOLUTION"
    )[1]
    sentence = " ".join(answer.split("# END SOLUTION")[0].split()[5:15])
    assert sentence and sentence not in " ".join(everything.split()), sentence


@pytest.mark.acceptance
@pytest.mark.parametrize("name", NAMES)
def test_check_all_cell_says_what_it_runs(built, name):
    nb = _read(built[name]["student"])
    cells = [c.source for c in nb.cells]
    index = cells.index("grader.check_all()")
    assert "public" in cells[index - 1] and "hidden" in cells[index - 1]
    assert "rerun all of the autograder tests" not in "\n".join(cells)


@pytest.mark.acceptance
@pytest.mark.parametrize("name", NAMES)
def test_student_notebook_runs_with_only_unanswered_errors(built, name, tmp_path):
    from nbclient import NotebookClient

    folder = tmp_path / "student"  # a copy: the export cell writes files
    shutil.copytree(built[name]["student"].parent, folder)
    path = folder / built[name]["student"].name
    nb = _read(path)
    client = NotebookClient(
        nb,
        timeout=120,
        allow_errors=True,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    errors = [
        (i, cell.source, out.ename, out.evalue)
        for i, cell in enumerate(nb.cells)
        for out in cell.get("outputs", [])
        if out.output_type == "error"
    ]
    assert errors, "the unanswered notebook should reach a stub"
    for i, source, ename, evalue in errors:
        if "grader.check(" in source or "grader.check_all" in source:
            continue  # the public tests report the stubs as failures, not errors
        assert ename == "NotImplementedError" and STUB_ERROR.match(evalue), (
            i,
            ename,
            evalue,
        )


def _chromium():
    return next(
        (
            shutil.which(n)
            for n in ("chromium", "chromium-browser", "google-chrome")
            if shutil.which(n)
        ),
        None,
    )


@pytest.mark.acceptance
def test_pdf_of_the_manual_answer(built, tmp_path):
    """grade.py --pdfs: a PDF per submission with the derivation and nothing else."""
    pytest.importorskip("playwright")
    pypdf = pytest.importorskip("pypdf")
    if _chromium() is None:
        pytest.skip("no chromium on PATH (Debian: apt-get install chromium)")
    name = "sam_quadratics"
    nb = _read(built[name]["student"])
    answer = "My derivation: the step along the axis gives c' = (1 - eta lam) c."
    response = [
        c
        for c in nb.cells
        if c.cell_type == "markdown" and "_Type your answer here" in c.source
    ]
    assert len(response) == 1
    response[0].source = answer
    folder = tmp_path / "submissions"
    folder.mkdir()
    nbformat.write(nb, folder / "alice.ipynb")
    pdfs = tmp_path / "pdfs"
    grade.grade_folder(
        name,
        folder,
        tmp_path / "grades.csv",
        autograder=built[name]["autograder_zip"],
        pdfs=pdfs,
        jobs=1,
    )
    text = " ".join(
        page.extract_text() for page in pypdf.PdfReader(pdfs / "alice.pdf").pages
    )
    text = " ".join(text.split())
    assert "My derivation: the step along the axis" in text, text[:500]
    assert "Question 6" in text
    assert "Question 1: the SAM step" not in text  # filtered to the manual question


@pytest.mark.acceptance
def test_student_export_zips_a_pdf_of_the_derivation(built, tmp_path):
    """The export cell (otter's ``grader.export()``, PDF via LaTeX): the zip holds the
    notebook and a PDF of the manually graded question, with the student's answer."""
    pypdf = pytest.importorskip("pypdf")
    if not (shutil.which("xelatex") and shutil.which("pandoc")):
        reason = (
            "no LaTeX: apt-get install texlive-xetex texlive-fonts-recommended "
            "texlive-plain-generic pandoc"
        )
        if os.environ.get("SAMBOOK_REQUIRE_LATEX") == "1":  # set by .ci/run
            pytest.fail(reason)
        pytest.skip(reason)
    name = "sam_quadratics"
    folder = tmp_path / "student"
    shutil.copytree(
        built[name]["student"].parent,
        folder,
        ignore=shutil.ignore_patterns("*.zip", "*.pdf"),
    )
    path = folder / f"{name}.ipynb"
    nb = _read(path)
    (response,) = [
        c
        for c in nb.cells
        if c.cell_type == "markdown" and "_Type your answer here" in c.source
    ]
    response.source = r"My derivation: on the axis $c' = (1-\eta\lambda_i)c$ and so on."
    nbformat.write(nb, path)
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import otter; "
            f"otter.Notebook({path.name!r}).export(pdf=True, display_link=False)",
        ],
        cwd=folder,
        check=True,
    )
    (archive,) = folder.glob(f"{name}_*.zip")
    with zipfile.ZipFile(archive) as zf:
        assert {f"{name}.ipynb", f"{name}.pdf"} <= set(zf.namelist())
        (folder / "exported.pdf").write_bytes(zf.read(f"{name}.pdf"))
    text = " ".join(
        p.extract_text() for p in pypdf.PdfReader(folder / "exported.pdf").pages
    )
    text = " ".join(text.split())
    assert "My derivation: on the axis" in text and "Question 6" in text, text[:400]
    assert "Question 1: the SAM step" not in text  # the manual question alone


def test_documented_otter_grade_command_fits_the_pinned_otter():
    """The Docker command of the page for instructors uses only options of the
    installed otter-grader's ``otter grade``, with the required ``-n`` and an output
    folder that the same block creates (otter requires it to exist)."""
    cli = pytest.importorskip(
        "otter.cli", reason="pip install -r requirements-instructor.txt"
    )
    page = (ROOT / "book" / "instructors.md").read_text(encoding="utf8")
    blocks = re.findall(r"```bash\n(.*?)```", page, re.S)
    (block,) = [b for b in blocks if "otter grade" in b]
    words = shlex.split(block.replace("\\\n", " "))
    start = words.index("otter")
    assert words[start + 1] == "grade"
    options = {opt for p in cli.grade_cli.params for opt in p.opts}
    given = [w for w in words[start + 2 :] if w.startswith("-")]
    assert given and set(given) <= options, set(given) - options
    assert "-n" in given or "--name" in given
    out = words[words.index("-o") + 1]
    assert f"mkdir -p {out}" in block
