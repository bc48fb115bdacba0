"""Statement boxes: each one is true, and each correction of the paper is shown.

The book's convention (CONTRIBUTING.md): a ``prf:`` box states a true statement, the
paper's or a corrected one. A box that differs from what the paper prints carries
``:class: corrected`` and is followed, in the same chapter, by a note

````md
```{admonition} What the paper prints
:class: paper-differs
:name: paper-<label>

The paper prints "...". <why it is wrong: the derivation> ...
```
````

and by a code cell tagged ``check-<label>`` whose ``assert`` statements run the
numeric check (a counterexample to the printed statement, or the corrected one
verified); nbval executes it with the rest of the chapter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "book").glob("*.ipynb"))

# Boxes known to differ from the paper's printed statement; each must keep its note
# and check (more may be added, none may silently lose them).
KNOWN_CORRECTIONS = {
    "thm-1",
    "lem-5",
    "lem-6",
    "lem-7",
    "prop-8",
    "rem-9",
    "lem-11",
    "lem-14",
    "lem-16",
    "lem-17",
    "lem-18",
    "lem-19",
    "thm-3",
    "thm-21",
}

BOX = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{prf:(?P<kind>\w+)\}[^\n]*\n(?P<options>(?::[^\n]*\n)*)",
    re.M,
)
NOTE = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{admonition\}\s*What the paper prints\s*\n"
    r"(?P<options>(?::[^\n]*\n)*)",
    re.M,
)
SKIPPING_TAGS = {"skip-execution", "raises-exception", "nbval-skip", "nbval-ignore"}


@dataclass(frozen=True)
class Box:
    chapter: str
    cell: int
    kind: str
    label: str
    classes: tuple[str, ...]


def _option(options: str, name: str) -> str:
    match = re.search(rf"^:{name}:[ \t]*(.*)$", options, re.M)
    return match[1].strip() if match else ""


def _boxes(path: Path) -> list[Box]:
    nb = nbformat.read(path, as_version=4)
    out = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        for m in BOX.finditer(cell.source):
            options = m["options"]
            out.append(
                Box(
                    path.name,
                    i,
                    m["kind"],
                    _option(options, "label"),
                    tuple(_option(options, "class").split()),
                )
            )
    return out


def _notes(path: Path) -> list[tuple[int, str, tuple[str, ...]]]:
    nb = nbformat.read(path, as_version=4)
    out = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            for m in NOTE.finditer(cell.source):
                options = m["options"]
                out.append(
                    (
                        i,
                        _option(options, "name"),
                        tuple(_option(options, "class").split()),
                    )
                )
    return out


def _check_cells(path: Path, label: str) -> list[tuple[int, nbformat.NotebookNode]]:
    nb = nbformat.read(path, as_version=4)
    return [
        (i, c)
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and f"check-{label}" in c.metadata.get("tags", [])
    ]


ALL_BOXES = [box for path in CHAPTERS for box in _boxes(path)]
CORRECTED = [box for box in ALL_BOXES if "corrected" in box.classes]


def test_every_box_outside_proofs_has_a_unique_label():
    labelled = [b for b in ALL_BOXES if b.kind != "proof"]
    missing = [
        f"{b.chapter} cell {b.cell}: prf:{b.kind}" for b in labelled if not b.label
    ]
    assert not missing, f"statement boxes without :label: {missing}"
    labels = [b.label for b in labelled]
    repeated = sorted({x for x in labels if labels.count(x) > 1})
    assert not repeated, f"labels defined more than once: {repeated}"


def test_the_known_corrections_are_marked():
    marked = {box.label for box in CORRECTED}
    missing = sorted(KNOWN_CORRECTIONS - marked)
    assert not missing, (
        "boxes that differ from the paper's printed statement must carry "
        f":class: corrected: {missing}"
    )


@pytest.mark.parametrize("box", CORRECTED, ids=[b.label for b in CORRECTED])
def test_a_corrected_box_has_its_note_and_its_check(box):
    path = ROOT / "book" / box.chapter
    notes = [n for n in _notes(path) if n[1] == f"paper-{box.label}"]
    assert notes, (
        f"{box.chapter}: {box.label} is marked corrected but no note "
        f"'What the paper prints' with :name: paper-{box.label} follows it"
    )
    cell, _, classes = notes[0]
    assert cell >= box.cell, f"the note on {box.label} comes before its box"
    assert "paper-differs" in classes, f"paper-{box.label} needs :class: paper-differs"
    checks = _check_cells(path, box.label)
    assert checks, f"{box.chapter}: no code cell tagged check-{box.label}"
    for i, check in checks:
        tags = set(check.metadata.get("tags", []))
        assert not tags & SKIPPING_TAGS, f"check-{box.label} (cell {i}) is not run"
        assert re.search(r"^\s*assert\b", check.source, re.M), (
            f"check-{box.label} (cell {i}) asserts nothing"
        )


def test_every_note_belongs_to_a_corrected_box():
    corrected = {(b.chapter, f"paper-{b.label}") for b in CORRECTED}
    orphans = [
        f"{path.name} cell {i}: {name or '(no :name:)'}"
        for path in CHAPTERS
        for i, name, _ in _notes(path)
        if (path.name, name) not in corrected
    ]
    assert not orphans, (
        f"notes 'What the paper prints' without a corrected box: {orphans}"
    )
