"""Grade a folder of submissions without Docker, one ``otter run`` per submission.

Usage, from the repository's root, after ``python assignments/build.py``::

    python assignments/grade.py sam_quadratics submissions/ -o grades.csv
    python assignments/grade.py sam_quadratics submissions/ -o grades.csv \\
        --timeout 300 --cell-timeout 60 --jobs 2 --pdfs pdfs/

Every ``.ipynb`` (or ``.zip`` exported by ``grader.export()``) in the folder is graded
with the assignment's autograder zip by ``otter run``, in its own process, and the
results go into one CSV: a row per submission with its status, total, the score of
each autograded question, and an empty column per manually graded question. Next to
the CSV, ``<csv name>-feedback/`` holds each submission's ``results.json`` (otter's
messages, question by question) as ``<submission>.json``.

Grading never hangs and always reports:

* a cell that runs longer than ``--cell-timeout`` seconds is interrupted (the rest of
  the notebook runs, and tests that need what the cell defines fail);
* a submission whose run takes longer than ``--timeout`` seconds in all, or whose
  kernel dies (``os._exit``, a crash), is stopped; the cell that was running is
  replaced by one that raises an error, and the submission is graded again (at most
  three times), so that it loses only what that cell defines; when the cell was a
  question's check, that question gets zero;
* a file that is not a readable notebook, or the notebook of another assignment, gets a
  row of zeros and a status that says so.

The limits default to ``grading.timeout`` and ``grading.cell_timeout`` of
``assignments/course.yml``. ``--pdfs DIR`` also writes, for each submission, a PDF of
its manually graded answers (``DIR/<submission>.pdf``, for Gradescope or printing),
made with headless Chromium through Playwright.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

HERE = Path(__file__).resolve().parent
COURSE = HERE / "course.yml"
MAX_REPAIRS = 3
GUARD_SOURCE = """\
# Added by assignments/grade.py, not part of the submission: a time limit per cell, and
# a note of the cell being run, so that grading survives endless loops and crashes.
# (Cells that run otter's checks are not limited here: each test limits its calls.)
def _grade_py_guard(limit, progress):
    import json
    import signal

    from IPython import get_ipython

    class CellTimeLimit(BaseException):
        pass

    def note(path, cell):
        with open(path, "a", encoding="utf8") as f:
            f.write(json.dumps(cell) + "\\n")

    def alarm(signum, frame):
        note(progress + ".stopped", running[-1])
        raise CellTimeLimit(f"grade.py stopped this cell after {{limit:g}} s")

    running = [None]

    def before(info):
        running.append(info.raw_cell)
        note(progress, info.raw_cell)
        if ".check(" in info.raw_cell or "Checker" in info.raw_cell:
            return  # otter's checks: the tests limit each call themselves
        signal.signal(signal.SIGALRM, alarm)
        signal.setitimer(signal.ITIMER_REAL, limit, limit)

    def after(result):
        signal.setitimer(signal.ITIMER_REAL, 0)

    shell = get_ipython()
    shell.events.register("pre_run_cell", before)
    shell.events.register("post_run_cell", after)


_grade_py_guard({limit!r}, {progress!r})
del _grade_py_guard
"""
CHECK_CELL = re.compile(r"""\.check\(\s*["'](\w+)["']\s*\)""")


@dataclass
class Outcome:
    """The grading of one submission."""

    submission: str
    status: str = "ok"
    scores: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    results: dict | None = None


# ------------------------------------------------------------------ the autograder


def question_points(autograder_zip: Path) -> dict[str, float]:
    """Points of each autograded question, read from the autograder's test files."""
    points = {}
    with zipfile.ZipFile(autograder_zip) as zf:
        for member in sorted(zf.namelist()):
            match = re.fullmatch(r"tests/(\w+)\.py", member)
            if match:
                text = zf.read(member).decode("utf8")
                value = re.search(r"^points = ([\d.]+)$", text, flags=re.M)
                points[match[1]] = float(value[1]) if value else 0.0
    return dict(sorted(points.items(), key=lambda kv: _natural(kv[0])))


def manual_questions(assignment: str) -> dict[str, float]:
    """The manually graded questions of ``assignments/<assignment>.ipynb``."""
    source = HERE / f"{assignment}.ipynb"
    if not source.is_file():
        return {}
    out = {}
    for cell in nbformat.read(source, as_version=4).cells:
        text = cell.source.lstrip()
        if cell.cell_type == "raw" and text.startswith("# BEGIN QUESTION"):
            config = yaml.safe_load(text.split("\n", 1)[1])
            if config.get("manual"):
                out[config["name"]] = float(config.get("points", 0))
    return out


def _natural(name: str):
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name)]


def _without_tests(autograder_zip: Path, questions, dest: Path) -> Path:
    """A copy of the autograder without the test files of ``questions``."""
    dropped = {f"tests/{q}.py" for q in questions}
    with zipfile.ZipFile(autograder_zip) as src, zipfile.ZipFile(dest, "w") as out:
        for item in src.infolist():
            if item.filename not in dropped:
                out.writestr(item, src.read(item))
    return dest


# ------------------------------------------------------------------ one submission


def read_submission(path: Path):
    """The submission's notebook (from a ``.ipynb`` or an exported ``.zip``)."""
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if n.endswith(".ipynb")]
            if len(names) != 1:
                raise ValueError(f"the zip holds {len(names)} notebooks, not one")
            nb = nbformat.reads(zf.read(names[0]).decode("utf8"), as_version=4)
    else:
        nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    return nb


def _instrumented(nb, limit: float, progress: Path):
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    guard = nbformat.v4.new_code_cell(
        GUARD_SOURCE.format(limit=float(limit), progress=str(progress))
    )
    nb.cells.insert(0, guard)
    return nb


def _run_otter(notebook: Path, autograder: Path, work: Path, timeout: float):
    """``otter run`` in its own process group; returns (results or None, reason)."""
    out = work / "out"
    out.mkdir(exist_ok=True)
    (out / "results.json").unlink(missing_ok=True)
    env = dict(os.environ, TMPDIR=str(work), MPLBACKEND="Agg")
    command = [
        sys.executable,
        "-m",
        "otter",
        "run",
        "--no-logo",
        "-a",
        str(autograder),
        "-o",
        str(out),
        str(notebook),
    ]
    with open(work / "otter.log", "ab") as log:
        process = subprocess.Popen(
            command, cwd=work, env=env, stdout=log, stderr=log, start_new_session=True
        )
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return None, f"it ran past the time limit of {timeout:g} s"
        finally:
            try:  # what the run started in its process group
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            _kill_kernels_of(work)
    results = out / "results.json"
    if code == 0 and results.is_file():
        return json.loads(results.read_text(encoding="utf8")), ""
    tail = (work / "otter.log").read_text(encoding="utf8", errors="replace")
    if "DeadKernelError" in tail or "Kernel died" in tail:
        return None, "the kernel died"
    last = [line for line in tail.splitlines() if line.strip()][-1:] or [""]
    if "OtterRuntimeError" in last[0]:  # e.g. a notebook of another assignment
        return None, f"otter run failed: {last[0].split(':', 1)[1].strip()[:200]}"
    return None, f"otter run failed (exit {code})"


def _kill_kernels_of(work: Path) -> None:
    """Kill the kernels of a run: they are started in sessions of their own, and their
    connection files lie in ``work`` (the run's TMPDIR)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return
    marker = str(work).encode()
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker in (entry / "cmdline").read_bytes():
                os.kill(int(entry.name), signal.SIGKILL)
        except (OSError, ProcessLookupError):
            continue


def _last_cell(progress: Path) -> str | None:
    if not progress.is_file():
        return None
    lines = progress.read_text(encoding="utf8").splitlines()
    return json.loads(lines[-1]) if lines else None


def grade_one(
    path: Path,
    autograder: Path,
    points: dict[str, float],
    *,
    timeout: float,
    cell_timeout: float,
) -> Outcome:
    """Grade one submission; never raises, never hangs past ``~4 * timeout``."""
    outcome = Outcome(path.name, scores=dict.fromkeys(points, 0.0))
    try:
        nb = read_submission(path)
    except Exception as error:  # any unreadable file gets a row of zeros
        outcome.status = f"unreadable notebook ({type(error).__name__}: {error})"[:300]
        return outcome
    with tempfile.TemporaryDirectory(prefix="grade-") as tmp:
        work = Path(tmp)
        zip_path, dropped = autograder, []
        for attempt in range(MAX_REPAIRS + 1):
            progress = work / f"progress-{attempt}.jsonl"
            notebook = work / "submission" / f"{path.stem}.ipynb"
            notebook.parent.mkdir(exist_ok=True)
            nbformat.write(_instrumented(nb, cell_timeout, progress), notebook)
            results, reason = _run_otter(notebook, zip_path, work, timeout)
            if results is not None:
                break
            running = _last_cell(progress)
            check = CHECK_CELL.search(running or "")
            student_cells = [
                i
                for i, c in enumerate(nb.cells)
                if c.cell_type == "code" and c.source == running
            ]
            if attempt == MAX_REPAIRS or running is None:
                outcome.status = f"not graded: {reason}"
                return outcome
            if check and check[1] in points and check[1] not in dropped:
                dropped.append(check[1])
                outcome.notes.append(f"{check[1]} not graded: {reason} in its tests")
                zip_path = _without_tests(
                    autograder, dropped, work / f"autograder-{attempt}.zip"
                )
            elif student_cells:
                index = student_cells[0]
                nb.cells[index].source = (
                    "raise RuntimeError('grade.py removed this cell: when it ran, "
                    f"{reason}')"
                )
                outcome.notes.append(f"cell {index} not run: {reason} there")
            else:
                outcome.status = f"not graded: {reason} while grading"
                return outcome
        outcome.results = results
        stopped = Path(f"{progress}.stopped")
        cells = (
            stopped.read_text(encoding="utf8").splitlines() if stopped.exists() else []
        )
        for cell in dict.fromkeys(json.loads(line) for line in cells):
            where = [i for i, c in enumerate(nb.cells) if c.source == cell]
            check = CHECK_CELL.search(cell or "")
            if where and not check:
                outcome.notes.append(
                    f"cell {where[0]} stopped after {cell_timeout:g} s"
                )
            else:
                name = check[1] if check else "a test"
                outcome.notes.append(f"{name}: a test stopped after {cell_timeout:g} s")
    for test in results.get("tests", []):
        if test.get("name") in outcome.scores and "score" in test:
            outcome.scores[test["name"]] = float(test["score"])
    if "score" in results and not any(
        t.get("name") in points for t in results["tests"]
    ):
        outcome.status = "not graded: the autograder failed (see the feedback file)"
    if outcome.notes and outcome.status == "ok":
        outcome.status = "ok; " + "; ".join(outcome.notes)
    return outcome


# ------------------------------------------------------------------ PDFs


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def export_pdf(nb, dest: Path) -> Path:
    """A PDF of the manually graded answers of ``nb`` (otter's filtering, via HTML)."""
    import nbconvert
    from otter.export.exporters.base_exporter import TEMPLATE_DIR
    from otter.export.exporters.via_html import PDFViaHTMLExporter
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="pdf-") as tmp:
        source = Path(tmp) / "submission.ipynb"
        nbformat.write(nb, source)
        filtered = PDFViaHTMLExporter.load_notebook(
            str(source), filtering=True, pagebreaks=True
        )
        exporter = nbconvert.HTMLExporter(
            template_name="via_html", extra_template_basedirs=[str(TEMPLATE_DIR)]
        )
        html, _ = exporter.from_notebook_node(filtered)
        page_path = Path(tmp) / "page.html"
        page_path.write_text(html, encoding="utf8")
        with sync_playwright() as p:
            executable = _chromium()
            browser = p.chromium.launch(
                executable_path=executable, args=["--no-sandbox"]
            )
            page = browser.new_page()
            page.emulate_media(media="print")
            page.goto(page_path.as_uri(), wait_until="load")
            pdf = page.pdf(print_background=True)
            browser.close()
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(pdf)
    return dest


# ------------------------------------------------------------------ the folder


def submissions_in(folder: Path) -> list[Path]:
    """The ``.ipynb`` and ``.zip`` files of ``folder`` (not in subfolders)."""
    return sorted(
        p
        for p in Path(folder).iterdir()
        if p.is_file() and p.suffix in (".ipynb", ".zip")
    )


def grade_folder(
    assignment: str,
    folder: Path,
    output: Path,
    *,
    autograder: Path | None = None,
    timeout: float | None = None,
    cell_timeout: float | None = None,
    jobs: int | None = None,
    pdfs: Path | None = None,
) -> list[Outcome]:
    """Grade every submission in ``folder``; write the CSV and the feedback files."""
    limits = yaml.safe_load(COURSE.read_text(encoding="utf8"))["grading"]
    timeout = float(timeout or limits["timeout"])
    cell_timeout = float(cell_timeout or limits["cell_timeout"])
    autograder = Path(
        autograder
        or HERE / "dist" / assignment / "autograder" / f"{assignment}-autograder.zip"
    )
    if not autograder.is_file():
        raise FileNotFoundError(
            f"no autograder {autograder}: run python assignments/build.py {assignment}"
        )
    points = question_points(autograder)
    manual = manual_questions(assignment)
    paths = submissions_in(folder)
    if not paths:
        raise FileNotFoundError(f"no .ipynb or .zip submissions in {folder}")
    with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
        outcomes = list(
            pool.map(
                lambda p: grade_one(
                    p, autograder, points, timeout=timeout, cell_timeout=cell_timeout
                ),
                paths,
            )
        )
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    feedback = output.with_name(f"{output.stem}-feedback")
    feedback.mkdir(exist_ok=True)
    possible = sum(points.values())
    with open(output, "w", newline="", encoding="utf8") as f:
        writer = csv.writer(f)
        writer.writerow(
            ["submission", "status", "total", "possible", *points]
            + [f"{q} (manual, {p:g})" for q, p in manual.items()]
        )
        for o in outcomes:
            total = sum(o.scores.values())
            writer.writerow(
                [o.submission, o.status, f"{total:g}", f"{possible:g}"]
                + [f"{o.scores[q]:g}" for q in points]
                + [""] * len(manual)
            )
            if o.results is not None:
                (feedback / f"{Path(o.submission).stem}.json").write_text(
                    json.dumps(o.results, indent=2), encoding="utf8"
                )
    if pdfs is not None:
        for path in paths:
            try:
                export_pdf(read_submission(path), Path(pdfs) / f"{path.stem}.pdf")
            except Exception as error:  # a PDF that cannot be made is reported
                print(f"{path.name}: no PDF ({type(error).__name__}: {error})")
    return outcomes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("assignment", help="the assignment's name, e.g. sam_quadratics")
    parser.add_argument("submissions", type=Path, help="folder of .ipynb/.zip files")
    parser.add_argument(
        "-o", "--output", type=Path, default=Path("grades.csv"), help="the CSV to write"
    )
    parser.add_argument(
        "--autograder", type=Path, help="autograder zip (default: the built one)"
    )
    parser.add_argument(
        "--timeout", type=float, help="seconds per submission (course.yml by default)"
    )
    parser.add_argument(
        "--cell-timeout", type=float, help="seconds per cell (course.yml by default)"
    )
    parser.add_argument("--jobs", type=int, help="submissions graded in parallel")
    parser.add_argument(
        "--pdfs", type=Path, help="folder for PDFs of the manually graded answers"
    )
    args = parser.parse_args(argv)
    start = time.monotonic()
    outcomes = grade_folder(
        args.assignment,
        args.submissions,
        args.output,
        autograder=args.autograder,
        timeout=args.timeout,
        cell_timeout=args.cell_timeout,
        jobs=args.jobs,
        pdfs=args.pdfs,
    )
    for o in outcomes:
        print(f"{o.submission}: {sum(o.scores.values()):g}  {o.status}")
    print(
        f"{len(outcomes)} submissions graded in {time.monotonic() - start:.0f} s; "
        f"wrote {args.output}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
