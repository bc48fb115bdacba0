"""The first cell of every chapter: on Colab only, install samlib from the repository.

Binder and local Jupyter install samlib from ``requirements.txt``; Colab opens a lone
notebook, so each chapter starts with a cell that, when it runs on Colab and nowhere
else, installs samlib from the book's repository and turns on Colab's support for
ipywidgets 8. The cell is removed from the HTML pages (tag ``remove-cell``).

The repository's address is written into the cell, since Colab sees nothing but the
notebook. Set it, in every chapter at once, with

    python book/_ext/colab_cell.py https://github.com/<owner>/<repo>

``tests/test_notebooks_committed_clean.py`` checks that every chapter starts with this
cell and that its address is the one the build's launch buttons use.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

BOOK = Path(__file__).resolve().parents[1]
TAG = "colab-setup"
PLACEHOLDER_URL = "https://github.com/example/sam-dynamics-book"

TEMPLATE = """\
# On Colab only: install samlib, the book's package, and enable ipywidgets 8.
import sys

if "google.colab" in sys.modules:
    import subprocess

    package = "samlib[widgets] @ git+{url}"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", package], check=True)
    from google.colab import output

    output.enable_custom_widget_manager()"""

URL_IN_CELL = re.compile(r"git\+(?P<url>https://github\.com/[\w.-]+/[\w.-]+)")


def cell_source(url: str) -> str:
    """The setup cell for the repository at ``url``."""
    if not URL_IN_CELL.fullmatch(f"git+{url}"):
        raise ValueError(f"url must be https://github.com/<owner>/<repo>, got {url!r}")
    return TEMPLATE.format(url=url)


def cell_url(source: str) -> str | None:
    """The repository address written in a setup cell's source."""
    match = URL_IN_CELL.search(source)
    return match["url"] if match else None


def chapters() -> list[Path]:
    return sorted(BOOK.glob("*.ipynb"))


def set_setup_cell(path: Path, url: str) -> None:
    """Make the first cell of the notebook at ``path`` the setup cell for ``url``."""
    nb = nbformat.read(path, as_version=4)
    cell = nbformat.v4.new_code_cell(
        cell_source(url), metadata={"tags": ["remove-cell", TAG]}
    )
    if nb.cells and TAG in nb.cells[0].metadata.get("tags", []):
        cell.id = nb.cells[0].id
        nb.cells[0] = cell
    else:
        nb.cells.insert(0, cell)
    nbformat.write(nb, path)


def main(argv: list[str]) -> None:
    url = argv[0] if argv else PLACEHOLDER_URL
    cell_source(url)  # validate before touching any file
    for path in chapters():
        set_setup_cell(path, url)
        print(f"{path.relative_to(BOOK.parent)}: Colab setup cell -> {url}")


if __name__ == "__main__":
    main(sys.argv[1:])
