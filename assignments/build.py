"""Build the course assignments (otter-grader) and the student edition of the book.

Usage, from the repository's root, with ``requirements-instructor.txt`` installed::

    python assignments/build.py                   # every assignment
    python assignments/build.py sam_quadratics    # one assignment
    python assignments/build.py --no-run-tests    # skip otter's check of the solutions
    python assignments/build.py --student-edition # the book without its solutions

For each source notebook ``assignments/<name>.ipynb`` (an otter master notebook) the
first form writes::

    assignments/dist/<name>/student/<name>.ipynb      the notebook to hand out
    assignments/dist/<name>/student/samlib/           the part of samlib it may use
    assignments/dist/<name>/<name>-student.zip        the student folder, zipped
    assignments/dist/<name>/autograder/<name>.ipynb   solutions and every test
    assignments/dist/<name>/autograder/<name>-autograder.zip
                                                      upload to Gradescope, or grade
                                                      with grade.py / otter grade

Before ``otter assign`` runs, the master notebook is copied and its tests are made
self-contained: a test's line ``from grading_kit import Question`` is replaced by the
code of ``grading_kit.py``, and ``from reference import f, g`` by the instructor's
solutions of ``f`` and ``g`` (from the notebook, or from ``reference.py``). So a
hidden test compares a submission with values it computes itself, and nothing the
student's kernel holds (samlib included) can change them.

The ``samlib`` shipped with an assignment is generated here from the book's samlib:
only the public names listed for the assignment in ``course.yml``, with what they
need, and without module docstrings or docstring examples. What an assignment asks
students to write is therefore not in it.

``--student-edition`` builds the book for students into ``_build/student``: from a
copy of the book in which every ``{solution}`` of an exercise is removed from the
sources, the page *For instructors* and every mention of it are left out, and the
launch and repository buttons are off (they would open the full notebooks).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import zipfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DIST = HERE / "dist"
COURSE = HERE / "course.yml"
KIT = HERE / "grading_kit.py"
REFERENCE = HERE / "reference.py"
STUDENT_EDITION_OVERRIDES = HERE / "student_edition.yml"
# the jupyter-book of this Python environment (jupyter-book 1.x has no ``python -m``)
_NEXT_TO_PYTHON = Path(sys.executable).with_name("jupyter-book")
JUPYTER_BOOK = str(_NEXT_TO_PYTHON) if _NEXT_TO_PYTHON.exists() else "jupyter-book"

CHECK_ALL_TEXT = (
    "---\n\nThe cell below runs the **public** tests of every question again. They "
    "check small cases and carry no points. Your grade comes from the hidden tests, "
    "which run when your submission is graded."
)


# ------------------------------------------------------------------ the course


@dataclass(frozen=True)
class Assignment:
    """One assignment of ``course.yml``."""

    name: str
    title: str
    chapters: tuple[str, ...]
    samlib: tuple[str, ...]
    withheld: tuple[str, ...]


def course(path: Path = COURSE) -> dict:
    """``course.yml``: the grading limits and the assignments, in teaching order."""
    return yaml.safe_load(Path(path).read_text(encoding="utf8"))


def assignments(path: Path = COURSE) -> dict[str, Assignment]:
    """The assignments of ``course.yml`` by name."""
    return {
        name: Assignment(
            name=name,
            title=entry["title"],
            chapters=tuple(entry["chapters"]),
            samlib=tuple(entry.get("samlib") or ()),
            withheld=tuple(entry.get("withheld") or ()),
        )
        for name, entry in course(path)["assignments"].items()
    }


ASSIGNMENTS = tuple(assignments())


# ------------------------------------------------------------------ samlib subset


def _defined_names(node: ast.stmt) -> set[str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {node.name}
    if isinstance(node, ast.Import | ast.ImportFrom):
        return {(a.asname or a.name).split(".")[0] for a in node.names}
    names = set()
    targets = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AnnAssign | ast.AugAssign):
        targets = [node.target]
    for target in targets:
        names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


def _used_names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _samlib_module(module: str | None, level: int, here: str) -> str | None:
    """The samlib module an import refers to (``samlib.x``), else None."""
    if level:
        package = here.rsplit(".", level)[0]
        return f"{package}.{module}" if module else package
    if module and (module == "samlib" or module.startswith("samlib.")):
        return module
    return None


def _strip_docstring(doc: str) -> str:
    """A docstring without its Examples, Notes and References sections."""
    kept = re.split(
        r"\n\s*(?:Examples|Notes|References|See Also)\n\s*-{3,}\n", doc, maxsplit=1
    )
    return kept[0].rstrip()


def samlib_subset(names, source: Path = ROOT / "samlib") -> dict[str, str]:
    """The part of samlib that provides ``names``, as ``{file name: source}``.

    ``names`` are public names of ``samlib`` (``"run_sam"``) or of one of its modules
    (``"objectives.paper_objective"``). Each module keeps the top-level statements
    that these names need, directly or through others (functions, classes,
    constants, imports), in their original order; module docstrings are replaced and
    docstring examples removed. ``__init__.py`` imports exactly ``names``.
    """
    source = Path(source)
    texts = {
        (f"samlib.{p.stem}" if p.stem != "__init__" else "samlib"): p.read_text(
            encoding="utf8"
        )
        for p in sorted(source.glob("*.py"))
    }
    trees = {module: ast.parse(text) for module, text in texts.items()}
    kept: dict[str, dict[int, set[str] | None]] = {m: {} for m in texts}
    queue = []
    for name in names:
        module, _, attr = name.rpartition(".")
        module = f"samlib.{module}" if module else "samlib"
        if module not in trees or not any(
            attr in _defined_names(node) for node in trees[module].body
        ):
            raise KeyError(f"samlib has no public name {name}")
        queue.append((module, attr))
    seen = set()
    while queue:
        module, name = queue.pop()
        if (module, name) in seen:
            continue
        seen.add((module, name))
        if module not in trees:
            raise KeyError(f"samlib has no module {module}")
        for index, node in enumerate(trees[module].body):
            if name not in _defined_names(node):
                continue
            target = (
                _samlib_module(node.module, node.level, module)
                if isinstance(node, ast.ImportFrom)
                else None
            )
            if target:  # keep only the names of the import that are needed
                aliases = kept[module].setdefault(index, set())
                for alias in node.names:
                    if (alias.asname or alias.name) == name:
                        aliases.add(alias.name)
                        queue.append((target, alias.name))
                continue
            kept[module][index] = None
            for sub in ast.walk(node):
                inner = isinstance(sub, ast.ImportFrom) and sub is not node
                target = inner and _samlib_module(sub.module, sub.level, module)
                if target:
                    queue += [(target, alias.name) for alias in sub.names]
            queue += [(module, used) for used in _used_names(node)]
    files = {}
    for module, statements in kept.items():
        if module == "samlib" or not statements:
            continue
        lines = texts[module].splitlines(keepends=True)
        parts = []  # (is an import, source)
        for index, node in enumerate(trees[module].body):
            if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                parts.append((True, ast.unparse(node)))
            elif index in statements and statements[index] is not None:
                reduced = ast.ImportFrom(
                    module=node.module,
                    names=[a for a in node.names if a.name in statements[index]],
                    level=node.level,
                )
                parts.append((True, ast.unparse(reduced)))
            elif index in statements:
                decorators = getattr(node, "decorator_list", [])
                start = min([node.lineno] + [d.lineno for d in decorators])
                is_import = isinstance(node, ast.Import | ast.ImportFrom)
                text = "".join(lines[start - 1 : node.end_lineno]).rstrip()
                parts.append((is_import, text))
        text = f'"""Part of {module}, generated for an assignment."""'
        for i, (is_import, part) in enumerate(parts):
            follows_import = i > 0 and parts[i - 1][0]
            gap = (
                "\n"
                if is_import and follows_import
                else ("\n\n" if is_import else "\n\n\n")
            )
            text += gap + part
        text += "\n"
        files[f"{module.split('.', 1)[1]}.py"] = _strip_docstrings(text)
    imports, public = [], []
    for name in names:
        module, _, attr = name.rpartition(".")
        if module:
            imports.append(f"from samlib import {module}\n")
            continue
        for node in trees["samlib"].body:
            if isinstance(node, ast.ImportFrom) and attr in _defined_names(node):
                target = _samlib_module(node.module, node.level, "samlib")
                imports.append(f"from {target} import {attr}\n")
                public.append(attr)
    files["__init__.py"] = (
        SUBSET_HEADER
        + "".join(sorted(set(imports)))
        + f"\n__all__ = {sorted(public)!r}\n"
    )
    return files


# The shipped package must shadow a samlib installed in the environment completely: an
# editable install adds a finder that would otherwise serve ``samlib.<module>`` imports
# that this folder lacks (from the full samlib, answers included).
SUBSET_HEADER = '''"""The part of samlib that this assignment uses.

Generated by assignments/build.py from the book's samlib; the functions the assignment
asks you to write are not in it. Modules of samlib that are not in this folder cannot
be imported, even when the full samlib is installed.
"""

import importlib.machinery as _machinery
import sys as _sys


class _ThisFolderOnly:
    """Find ``samlib.<module>`` in this folder, or fail: never elsewhere."""

    @staticmethod
    def find_spec(fullname, path=None, target=None):
        if not fullname.startswith(__name__ + "."):
            return None
        spec = _machinery.PathFinder.find_spec(fullname, __path__)
        if spec is None:
            raise ModuleNotFoundError(
                f"No module named {fullname!r}: this assignment's samlib does not "
                "include it",
                name=fullname,
            )
        return spec


if not any(getattr(f, "__name__", "") == "_ThisFolderOnly" for f in _sys.meta_path):
    _sys.meta_path.insert(0, _ThisFolderOnly)

'''


def _strip_docstrings(text: str) -> str:
    """Remove the Examples/Notes sections of every docstring in ``text``."""
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    edits = []
    for node in ast.walk(tree):
        if not isinstance(
            node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Module
        ):
            continue
        if not (
            node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
            and isinstance(node.body[0].value.value, str)
        ):
            continue
        doc_node = node.body[0]
        doc = doc_node.value.value
        short = _strip_docstring(doc)
        if short != doc.rstrip():
            indent = " " * doc_node.col_offset
            new = f'{indent}"""{short}\n{indent}"""\n'
            edits.append((doc_node.lineno, doc_node.end_lineno, new))
    for start, end, new in sorted(edits, reverse=True):
        lines[start - 1 : end] = [new]
    return "".join(lines)


def write_samlib_subset(names, dest: Path) -> Path:
    """Write :func:`samlib_subset` as the package ``dest/samlib``."""
    package = Path(dest) / "samlib"
    if package.exists():
        shutil.rmtree(package)
    package.mkdir(parents=True)
    for file, text in samlib_subset(names).items():
        (package / file).write_text(text, encoding="utf8")
    return package


# ------------------------------------------------------------ self-contained tests


def _function_defs(source: str) -> dict[str, ast.FunctionDef]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    return {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}


def _clean_function(node: ast.FunctionDef) -> str:
    """Source of a function without docstrings and otter's prompt strings."""
    node = ast.parse(ast.unparse(node)).body[0]
    for sub in ast.walk(node):
        body = getattr(sub, "body", None)
        if isinstance(body, list):
            kept = [
                s
                for s in body
                if not (
                    isinstance(s, ast.Expr)
                    and isinstance(s.value, ast.Constant)
                    and isinstance(s.value.value, str)
                )
            ]
            sub.body = kept or [ast.Pass()]
    return ast.unparse(node)


def reference_pool(nb) -> dict[str, ast.FunctionDef]:
    """The functions a test may import from ``reference``: the notebook's own code
    cells (solutions and given code) first, then ``reference.py``."""
    pool = _function_defs(REFERENCE.read_text(encoding="utf8"))
    for cell in nb.cells:
        if cell.cell_type == "code":
            pool.update(_function_defs(cell.source))
    return pool


def reference_code(names, pool) -> str:
    """The definitions of ``names`` and of the pool's functions they call."""
    wanted, order = list(names), []
    while wanted:
        name = wanted.pop(0)
        if name in order:
            continue
        if name not in pool:
            raise KeyError(f"no reference for {name!r} in the notebook or reference.py")
        order.append(name)
        wanted += sorted(_used_names(pool[name]) & set(pool) - set(order))
    code = "\n\n".join(_clean_function(pool[name]) for name in order)
    if re.search(r"\bsamlib\b", code):
        raise ValueError(
            f"the reference code of {names} uses samlib; a hidden test must not "
            "depend on the student's samlib (use the names of reference.py)"
        )
    return code


def kit_code() -> str:
    """``grading_kit.py`` without docstrings and comments."""
    tree = ast.parse(KIT.read_text(encoding="utf8"))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body:
            first = body[0]
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                node.body = body[1:] or [ast.Pass()]
    return ast.unparse(tree)


def inline_test(source: str, pool) -> str:
    """A test cell with its ``grading_kit`` and ``reference`` imports inlined."""
    tree = ast.parse(source)
    lines = source.splitlines()
    edits = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or node.module not in (
            "grading_kit",
            "reference",
        ):
            continue
        if node.module == "grading_kit":
            code = kit_code()
        else:
            code = reference_code([a.name for a in node.names], pool)
            code += "".join(f"\n{a.asname} = {a.name}" for a in node.names if a.asname)
        indent = " " * node.col_offset
        edits.append(
            (node.lineno, node.end_lineno, textwrap.indent(code, indent).splitlines())
        )
    for start, end, new in sorted(edits, reverse=True):
        lines[start - 1 : end] = new
    return "\n".join(lines)


def _in_blocks(nb, begin: str, end: str):
    """The code cells between raw cells ``# BEGIN ...`` and ``# END ...``."""
    inside = False
    for cell in nb.cells:
        text = cell.source.lstrip()
        if cell.cell_type == "raw" and text.startswith(begin):
            inside = True
        elif cell.cell_type == "raw" and text.startswith(end):
            inside = False
        elif inside and cell.cell_type == "code":
            yield cell


def test_cells(nb):
    """The code cells of the notebook's ``# BEGIN TESTS`` blocks."""
    return list(_in_blocks(nb, "# BEGIN TESTS", "# END TESTS"))


def solution_cells(nb):
    """The code cells of the notebook's ``# BEGIN SOLUTION`` blocks."""
    return list(_in_blocks(nb, "# BEGIN SOLUTION", "# END SOLUTION"))


def self_contained(nb):
    """A copy of the master notebook whose tests need nothing from the kernel."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    pool = reference_pool(nb)
    for cell in test_cells(nb):
        cell.source = inline_test(cell.source, pool)
    return nb


# ------------------------------------------------------------------ assignments


def _zip_folder(folder: Path, archive: Path) -> None:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                zf.write(path, path.relative_to(folder))


def _retitle_check_all(path: Path) -> None:
    """Say truthfully what otter's "check all" cell runs."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown" and "rerun all of the autograder tests" in (
            cell.source
        ):
            cell.source = CHECK_ALL_TEXT
    nbformat.write(nb, path)


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
    known = assignments()
    if name not in known:
        raise ValueError(f"unknown assignment {name!r}; choose from {tuple(known)}")
    source = HERE / f"{name}.ipynb"
    if not source.is_file():
        raise FileNotFoundError(f"no assignment notebook {source}")
    out = Path(dist).resolve() / name
    if out.exists():
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"assign-{name}-") as tmp:
        staging = Path(tmp)
        nb = self_contained(nbformat.read(source, as_version=4))
        nbformat.write(nb, staging / source.name)
        write_samlib_subset(known[name].samlib, staging)
        command = [sys.executable, "-m", "otter", "assign"]
        if not run_tests:
            command.append("--no-run-tests")
        command += ["--no-pdfs", str(staging / source.name), str(out)]
        result = subprocess.run(
            command, capture_output=True, text=True, check=False, cwd=staging
        )
    if result.returncode != 0 or not quiet:
        print(result.stdout + result.stderr)
    if result.returncode != 0:
        raise RuntimeError(f"otter assign failed for {name} (exit {result.returncode})")
    zips = sorted((out / "autograder").glob(f"{name}-autograder_*.zip"))
    if len(zips) != 1:
        raise RuntimeError(f"expected one autograder zip in {out / 'autograder'}")
    autograder_zip = zips[0].rename(out / "autograder" / f"{name}-autograder.zip")
    for notebook in (out / "student" / source.name, out / "autograder" / source.name):
        _retitle_check_all(notebook)
    student_zip = out / f"{name}-student.zip"
    _zip_folder(out / "student", student_zip)
    return {
        "student": out / "student" / source.name,
        "autograder": out / "autograder" / source.name,
        "autograder_zip": autograder_zip,
        "student_zip": student_zip,
    }


# ------------------------------------------------------------- student edition

_FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|:{3,})\s*\{(?P<name>[\w:-]+)\}")
INSTRUCTORS_PAGE = "book/instructors"
_INSTRUCTOR_LINK = re.compile(r"instructors(\.md|\.html|\.ipynb|`|\))")


def strip_solutions(markdown: str) -> str:
    """``markdown`` without its ``{solution}`` directives (any fence length)."""
    out, skip = [], None
    for line in markdown.splitlines(keepends=True):
        if skip is not None:
            stripped = line.strip()
            if stripped and set(stripped) == {skip[0]} and len(stripped) >= len(skip):
                skip = None
            continue
        match = _FENCE.match(line)
        if match and match["name"].startswith("solution"):
            skip = match["fence"]
            continue
        out.append(line)
    return re.sub(r"\n{3,}", "\n\n", "".join(out))


def strip_instructor_mentions(markdown: str) -> str:
    """``markdown`` without the paragraphs or list items that link to the page for
    instructors."""
    blocks = re.split(r"(\n\s*\n)", markdown)
    out = []
    for block in blocks:
        if not _INSTRUCTOR_LINK.search(block):
            out.append(block)
            continue
        items = re.split(r"(?m)^(?=[*-] )", block)
        out.append("".join(i for i in items if not _INSTRUCTOR_LINK.search(i)))
    return "".join(out)


def _sanitise_page(text: str) -> str:
    return strip_instructor_mentions(strip_solutions(text))


def stage_student_book(root: Path, dest: Path) -> Path:
    """Copy the book into ``dest`` without solutions or instructors' material."""
    root, dest = Path(root).resolve(), Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    shutil.copytree(
        root / "book",
        dest / "book",
        ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"),
    )
    (dest / "book" / "instructors.md").unlink(missing_ok=True)
    for page in (dest / "book").glob("*.md"):
        page.write_text(_sanitise_page(page.read_text(encoding="utf8")), "utf8")
    for page in (dest / "book").glob("*.ipynb"):
        nb = nbformat.read(page, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = _sanitise_page(cell.source)
        nb.cells = [
            c for c in nb.cells if c.cell_type != "markdown" or c.source.strip()
        ]
        nbformat.write(nb, page)
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf8"))
    (dest / "_toc.yml").write_text(
        yaml.safe_dump(_without_page(toc, INSTRUCTORS_PAGE), sort_keys=False), "utf8"
    )
    (dest / "_config.yml").write_text(
        yaml.safe_dump(student_edition_config(root), sort_keys=False), "utf8"
    )
    return dest


def _without_page(toc, page):
    if isinstance(toc, dict):
        return {
            key: _without_page(value, page)
            for key, value in toc.items()
            if not (key == "file" and value == page)
        }
    if isinstance(toc, list):
        return [
            _without_page(item, page)
            for item in toc
            if not (isinstance(item, dict) and item.get("file") == page)
        ]
    return toc


def _merge(base: dict, override: dict) -> dict:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def student_edition_config(root: Path = ROOT) -> dict:
    """The book's ``_config.yml`` with ``assignments/student_edition.yml`` merged in."""
    root = Path(root).resolve()
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf8"))
    overrides = yaml.safe_load(STUDENT_EDITION_OVERRIDES.read_text(encoding="utf8"))
    return _merge(config, overrides or {})


def build_student_edition(
    root: Path = ROOT, out: Path | None = None, extra_args: list[str] | None = None
) -> Path:
    """Build the student edition of the book at ``root``; return its HTML folder.

    The book is staged without solutions in ``<out>/source`` (outside any git
    repository's buttons: ``BOOK_REPOSITORY_URL`` is cleared) and built with the
    book's flags ``-W -n --keep-going`` into ``<out>/_build/html``. Notebook outputs
    come from the book's own execution cache when it exists (the code is the same).
    """
    root = Path(root).resolve()
    out = Path(out).resolve() if out is not None else root / "_build" / "student"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="student-edition-") as tmp:
        staging = stage_student_book(root, Path(tmp) / "book-source")
        cache = root / "_build" / ".jupyter_cache"
        if cache.is_dir() and not (out / "_build" / ".jupyter_cache").exists():
            shutil.copytree(cache, out / "_build" / ".jupyter_cache")
        env = {k: v for k, v in os.environ.items() if k != "BOOK_REPOSITORY_URL"}
        env["GIT_CEILING_DIRECTORIES"] = str(Path(tmp))
        command = [
            JUPYTER_BOOK,
            "build",
            str(staging),
            "--path-output",
            str(out),
            "-W",
            "-n",
            "--keep-going",
            *(extra_args or []),
        ]
        subprocess.run(command, check=True, env=env)
        source_copy = out / "source"
        if source_copy.exists():
            shutil.rmtree(source_copy)
        shutil.copytree(staging, source_copy)
    return out / "_build" / "html"


# ------------------------------------------------------------------ command line


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
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="with --student-edition: output folder (default: _build/student)",
    )
    args = parser.parse_args(argv)
    if args.student_edition:
        html = build_student_edition(out=args.output)
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
