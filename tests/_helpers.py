"""Helpers shared by the tests (and the benchmarks): one home for each.

* :func:`book_pages`: the book's pages in table-of-contents order, from ``_toc.yml``.
* :func:`central_difference` and :func:`directional_difference`: derivatives by
  central finite differences, the independent computation that samlib's exact
  derivatives are checked against.
* :func:`cubic_example`: a loss whose third derivative is constant.
* :func:`load_module`: a script of the repository (``assignments/build.py``, a build
  step of ``book/_ext``) imported as a module.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

# A central difference with step h has truncation error h²/6 |f'''| and round-off
# about eps |f| / h; h = 1e-5 balances them near 1e-10 for the O(1) scales used here.
H_STEP = 1e-5


def book_pages(root: Path = ROOT) -> list[str]:
    """The book's pages in table-of-contents order, as paths without their suffix
    relative to the repository (``["book/intro", "book/01_sam", ...]``)."""
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text())
    pages = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                pages.append(entry["file"])
            walk(entry.get("sections"))

    walk(toc.get("chapters"))
    return [Path(page).with_suffix("").as_posix() for page in pages]


def book_notebooks(root: Path = ROOT) -> list[Path]:
    """The pages of the book that are notebooks, in table-of-contents order."""
    paths = [root / f"{page}.ipynb" for page in book_pages(root)]
    return [path for path in paths if path.exists()]


def central_difference(f, w, h: float = H_STEP) -> np.ndarray:
    """``D[..., k] = (f(w + h e_k) - f(w - h e_k)) / (2h)`` for one point ``w``."""
    w = np.asarray(w, dtype=float)
    columns = []
    for k in range(w.size):
        e = np.zeros_like(w)
        e[k] = h
        columns.append((np.asarray(f(w + e)) - np.asarray(f(w - e))) / (2 * h))
    return np.stack(columns, axis=-1)


def directional_difference(f, w, v, h: float = H_STEP) -> np.ndarray:
    """``(f(w + h v) - f(w - h v)) / (2h)``, the derivative of ``f`` along ``v``."""
    w, v = np.asarray(w, dtype=float), np.asarray(v, dtype=float)
    return (np.asarray(f(w + h * v)) - np.asarray(f(w - h * v))) / (2 * h)


def cubic_example():
    """``ℓ = w1² + w2²/2 + w1²w2/2``: ``½wᵀMw + T(w, w, w)/6`` with ``M = diag(2, 1)``
    and ``T001 = T010 = T100 = 1``, its only non-zero entries."""
    from samlib.objectives import cubic_objective

    T = np.zeros((2, 2, 2))
    T[0, 0, 1] = T[0, 1, 0] = T[1, 0, 0] = 1.0
    return cubic_objective(np.diag([2.0, 1.0]), T)


def png_pixels(png: bytes) -> np.ndarray:
    """The RGB pixels of a PNG picture."""
    import io

    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def full_render(fig) -> np.ndarray:
    """The pixels of a full draw of ``fig`` (``savefig``), the reference that partial
    redraws are compared with."""
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi)
    return png_pixels(buffer.getvalue())


def load_module(name: str, path: Path):
    """The Python file ``path`` imported as the module ``name`` (once; cached)."""
    import importlib.util
    import sys

    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def tiny_study():
    """A study of Chapter 7.8 small enough for tests: 3 digits a class, 4 inputs,
    5 hidden units, 40 steps, two noise levels and two seeds, GD, SAM and SGD."""
    from samlib.generalisation import Method, Study

    return Study(
        per_class=3,
        n_components=4,
        width=5,
        n_steps=40,
        checkpoint_every=20,
        noise=(0.0, 0.3),
        seeds=(0, 1),
        methods=(
            Method("GD"),
            Method("SAM", rho=0.05),
            Method("SGD", batch_size=10, steps_factor=3),
        ),
    )


def chapter_cells(notebook: str, *markers: str, **names) -> dict:
    """Run code cells of the chapter ``book/<notebook>.ipynb`` in a namespace that
    starts with ``names``, and return the namespace.

    For each marker, in order, the first code cell whose source contains it is run.
    A test then checks the chapter's own code (an explorer's ``update`` and
    ``controls``, as the reader gets them) rather than a copy of it.
    """
    import json

    cells = json.loads((ROOT / "book" / f"{notebook}.ipynb").read_text("utf8"))
    sources = ["".join(c["source"]) for c in cells["cells"] if c["cell_type"] == "code"]
    namespace = dict(names)
    for marker in markers:
        found = [source for source in sources if marker in source]
        if not found:
            raise LookupError(f"{notebook}: no code cell contains {marker!r}")
        exec(compile(found[0], f"{notebook}:{marker}", "exec"), namespace)
    return namespace
