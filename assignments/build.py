"""Build the course assignments (otter-grader) and the student edition of the book.

Usage, from the repository's root, with ``requirements-instructor.txt`` installed::

    python assignments/build.py                   # every assignment
    python assignments/build.py sam_quadratics    # one assignment
    python assignments/build.py --no-run-tests    # skip otter's check of the solutions
    python assignments/build.py --student-edition # the book without exercise solutions

For each source notebook ``assignments/<name>.ipynb`` the first form runs
``otter assign`` and writes::

    assignments/dist/<name>/student/<name>.ipynb      notebook to hand out (+ samlib/)
    assignments/dist/<name>/<name>-student.zip        the same folder, zipped
    assignments/dist/<name>/autograder/<name>.ipynb   solutions and every test
    assignments/dist/<name>/autograder/<name>-autograder.zip
                                                      upload to Gradescope, or grade
                                                      locally with ``otter run``

A copy of ``samlib`` is shipped next to each notebook and inside the autograder zip,
so the notebooks run wherever otter-grader, numpy and matplotlib are installed.

``--student-edition`` merges ``assignments/student_edition.yml`` into ``_config.yml``
(it sets sphinx-exercise's ``hide_solutions``) and runs ``jupyter-book build`` with the
merged configuration into ``_build/student``; the pages are in
``_build/student/_build/html``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DIST = HERE / "dist"
ASSIGNMENTS = ("sam_quadratics", "sam_as_gd_on_J", "drift_to_wide_minima")
STUDENT_EDITION_OVERRIDES = HERE / "student_edition.yml"
# the jupyter-book of this Python environment (jupyter-book 1.x has no ``python -m``)
_NEXT_TO_PYTHON = Path(sys.executable).with_name("jupyter-book")
JUPYTER_BOOK = str(_NEXT_TO_PYTHON) if _NEXT_TO_PYTHON.exists() else "jupyter-book"


def _copy_samlib(dest: Path) -> None:
    shutil.copytree(
        ROOT / "samlib",
        dest / "samlib",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )


def _zip_folder(folder: Path, archive: Path) -> None:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                zf.write(path, path.relative_to(folder))


def build_assignment(
    name: str, dist: Path = DIST, *, run_tests: bool = True, quiet: bool = False
) -> dict[str, Path]:
    """Run ``otter assign`` on ``assignments/<name>.ipynb`` into ``dist/<name>``.

    Parameters
    ----------
    name : str
        The assignment, one of :data:`ASSIGNMENTS`.
    dist : Path
        Output folder; ``dist/<name>`` is replaced.
    run_tests : bool
        If True (default), otter grades the solution notebook with the autograder and
        fails unless it gets full marks.
    quiet : bool
        If True, print otter's output only when it fails.

    Returns
    -------
    dict
        Paths of the ``student`` and ``autograder`` notebooks, the autograder zip
        (``autograder_zip``) and the zipped student folder (``student_zip``).
    """
    source = HERE / f"{name}.ipynb"
    if not source.is_file():
        raise FileNotFoundError(f"no assignment notebook {source}")
    out = Path(dist).resolve() / name
    if out.exists():
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"assign-{name}-") as tmp:
        staging = Path(tmp)
        shutil.copy2(source, staging / source.name)
        _copy_samlib(staging)
        command = [sys.executable, "-m", "otter", "assign"]
        if not run_tests:
            command.append("--no-run-tests")
        command += [str(staging / source.name), str(out)]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0 or not quiet:
        print(result.stdout + result.stderr)
    if result.returncode != 0:
        raise RuntimeError(f"otter assign failed for {name} (exit {result.returncode})")
    zips = sorted((out / "autograder").glob(f"{name}-autograder_*.zip"))
    if len(zips) != 1:
        raise RuntimeError(f"expected one autograder zip in {out / 'autograder'}")
    autograder_zip = zips[0].rename(out / "autograder" / f"{name}-autograder.zip")
    student_zip = out / f"{name}-student.zip"
    _zip_folder(out / "student", student_zip)
    return {
        "student": out / "student" / source.name,
        "autograder": out / "autograder" / source.name,
        "autograder_zip": autograder_zip,
        "student_zip": student_zip,
    }


def _merge(base: dict, override: dict) -> dict:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def student_edition_config(root: Path = ROOT) -> dict:
    """The book's ``_config.yml`` with ``assignments/student_edition.yml`` merged in.

    Paths of ``sphinx.local_extensions`` are made absolute, because jupyter-book reads
    them relative to the configuration file, which is written elsewhere.
    """
    root = Path(root).resolve()
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf8"))
    overrides = yaml.safe_load(STUDENT_EDITION_OVERRIDES.read_text(encoding="utf8"))
    merged = _merge(config, overrides or {})
    extensions = merged.get("sphinx", {}).get("local_extensions") or {}
    for ext, path in extensions.items():
        extensions[ext] = str((root / path).resolve())
    return merged


def build_student_edition(
    root: Path = ROOT, out: Path | None = None, extra_args: list[str] | None = None
) -> Path:
    """Build the book without the solutions of its exercises; return the HTML folder.

    Runs ``jupyter-book build <root> --config <merged> --path-output <out>`` with the
    book's flags ``-W -n --keep-going`` (plus ``extra_args``).
    """
    root = Path(root).resolve()
    out = Path(out).resolve() if out is not None else root / "_build" / "student"
    out.mkdir(parents=True, exist_ok=True)
    config_path = out / "_config.yml"
    config_path.write_text(
        yaml.safe_dump(student_edition_config(root), sort_keys=False), encoding="utf8"
    )
    command = [
        JUPYTER_BOOK,
        "build",
        str(root),
        "--config",
        str(config_path),
        "--path-output",
        str(out),
        "-W",
        "-n",
        "--keep-going",
        *(extra_args or []),
    ]
    subprocess.run(command, check=True)
    return out / "_build" / "html"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"assignments to build (default: all of {', '.join(ASSIGNMENTS)})",
    )
    parser.add_argument(
        "--dist", type=Path, default=DIST, help="output folder (default: %(default)s)"
    )
    parser.add_argument(
        "--no-run-tests",
        action="store_true",
        help="do not grade the solution notebooks while building",
    )
    parser.add_argument(
        "--student-edition",
        action="store_true",
        help="build the book without exercise solutions into _build/student",
    )
    args = parser.parse_args(argv)
    if args.student_edition:
        html = build_student_edition()
        print(f"student edition: {html / 'index.html'}")
        return 0
    for name in args.names or ASSIGNMENTS:
        if name not in ASSIGNMENTS:
            parser.error(f"unknown assignment {name!r}; choose from {ASSIGNMENTS}")
        paths = build_assignment(name, args.dist, run_tests=not args.no_run_tests)
        print(f"{name}:")
        for kind, path in paths.items():
            print(f"  {kind:15s} {os.path.relpath(path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
