"""Checks of the book's sources for defects a reader would see on the rendered pages.

MyST reads a line break inside ``$...$`` like any other line break: a continuation line
that starts with a block marker (``- ``, ``+ ``, ``1. ``, ``> ``, ``#``, ``%``, ...)
opens a list, quote, heading or comment, cuts the formula in two and swaps prose and
math for the rest of the paragraph. Such a line has to be reflowed.
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _book_pages():
    """The source file of every page in _toc.yml (a notebook or a .md page)."""
    pages = []
    for entry in re.findall(r"(?:root|file):\s*(\S+)", (ROOT / "_toc.yml").read_text()):
        for suffix in (".ipynb", ".md"):
            path = ROOT / (entry + suffix)
            if path.exists():
                pages.append(path)
    return pages


PAGES = _book_pages()


def _page_id(path):
    return path.relative_to(ROOT).as_posix()


def markdown_sources(path):
    """(where, text) of every piece of MyST markdown in a page of the book."""
    if path.suffix == ".md":
        return [(_page_id(path), path.read_text())]
    cells = json.loads(path.read_text())["cells"]
    sources = []
    for i, cell in enumerate(cells):
        if cell["cell_type"] == "markdown":
            sources.append((f"{_page_id(path)} cell {i}", "".join(cell["source"])))
        figure = cell.get("metadata", {}).get("mystnb", {}).get("figure", {})
        if "caption" in figure:  # myst-nb parses figure captions as MyST
            sources.append((f"{_page_id(path)} cell {i} caption", figure["caption"]))
    return sources


# -- math broken by a line break -------------------------------------------------------

# Fences whose content is not markdown: code, or math handled verbatim.
_FENCE = re.compile(r"^\s*(`{3,}|~{3,}|:{3,})\s*(\S*)")
_VERBATIM_DIRECTIVES = {
    "code",
    "code-block",
    "code-cell",
    "sourcecode",
    "math",
    "raw",
    "eval-rst",
    "literalinclude",
}
_AMSMATH_OPEN = re.compile(
    r"^\s*\\begin\{(equation|multline|gather|align|alignat|flalign|matrix|pmatrix"
    r"|bmatrix|Bmatrix|vmatrix|Vmatrix|eqnarray)\*?\}"
)
# A line starting with one of these opens a new block in MyST (CommonMark's block
# starts that can interrupt a paragraph, list items of any number, setext underlines,
# and MyST's own: comments, block breaks, targets, $$ and amsmath blocks, colon fences).
BLOCK_MARKER = re.compile(
    r"""^\s*(?:
        [-+*](?:\s|$)            # bullet list item
      | \d{1,9}[.)](?:\s|$)      # ordered list item
      | >                        # block quote
      | \#{1,6}(?:\s|$)          # ATX heading
      | (?:[-*_]\s*){3,}$        # thematic break
      | =+\s*$ | -+\s*$          # setext heading underline
      | `{3,} | ~{3,} | :{3,}    # fences
      | \$\$                     # display math
      | %                        # MyST comment
      | \+\+\+                   # MyST block break
      | \([^()\s]*\)=\s*$        # MyST target
      | \\begin\{
    )""",
    re.VERBOSE,
)


def _mask_code_spans(text):
    """text with the content of inline code spans (``...``) blanked, newlines kept."""

    def blank(match):
        return re.sub(r"[^\n]", " ", match.group(0))

    return re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", blank, text, flags=re.DOTALL)


def _dollar_positions(line):
    """Positions of the unescaped $ signs of a line (code spans already masked)."""
    positions = []
    for match in re.finditer(r"\$", line):
        before = line[: match.start()]
        backslashes = len(before) - len(before.rstrip("\\"))
        if backslashes % 2 == 0:
            positions.append(match.start())
    return positions


def _markdown_paragraphs(text):
    """Runs of consecutive non-blank lines outside verbatim blocks, as
    (first line number, lines); display math and code are left out."""
    lines = text.split("\n")
    runs, current, start = [], [], 0
    fences = []  # stack of (marker, verbatim)
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line)
        verbatim = any(v for _, v in fences)
        if (
            fence
            and fences
            and fence.group(1)[0] == fences[-1][0][0]
            and len(fence.group(1)) >= len(fences[-1][0])
            and not fence.group(2)
        ):
            fences.pop()
            fence_line = True
        elif fence and not verbatim:
            info = fence.group(2)
            name = info[1:].split("}")[0] if info.startswith("{") else None
            is_verbatim = name is None or name in _VERBATIM_DIRECTIVES
            fences.append((fence.group(1), is_verbatim))
            fence_line = True
        else:
            fence_line = False
        verbatim = any(v for _, v in fences)
        stripped = line.lstrip()
        if fence_line or verbatim or not stripped:
            if current:
                runs.append((start, current))
            current = []
            i += 1
            continue
        if stripped.startswith("$$") or _AMSMATH_OPEN.match(line):
            # a display block: verbatim up to its closing $$ or \end{...}
            if current:
                runs.append((start, current))
            current = []
            closing = "$$" if stripped.startswith("$$") else "\\end{"
            rest = stripped[2:] if closing == "$$" else stripped
            while closing not in rest and i + 1 < len(lines):
                i += 1
                rest = lines[i]
            i += 1
            continue
        if not current:
            start = i
        current.append(line)
        i += 1
    if current:
        runs.append((start, current))
    return runs


def broken_math(text):
    """Lines inside an inline formula that MyST would read as the start of a block.

    Returns (line number, line) pairs, numbered from 1 within ``text``; also reports a
    paragraph that ends inside a formula (a lone $)."""
    offences = []
    for start, lines in _markdown_paragraphs(text):
        quoted = lines[0].lstrip().startswith(">")
        masked = _mask_code_spans("\n".join(lines)).split("\n")
        in_math = False
        for k, (line, shown) in enumerate(zip(masked, lines, strict=True)):
            if quoted:
                line = re.sub(r"^\s*>\s?", "", line)
            if in_math and BLOCK_MARKER.match(line):
                offences.append((start + k + 1, shown))
            in_math ^= len(_dollar_positions(line)) % 2 == 1
        if in_math:
            offences.append(
                (start + len(lines), "a formula is not closed: " + lines[-1])
            )
    return offences


@pytest.mark.parametrize("path", PAGES, ids=_page_id)
def test_no_formula_is_broken_by_a_line_break(path):
    offences = [
        f"{where}, line {n}: {line.strip()}"
        for where, text in markdown_sources(path)
        for n, line in broken_math(text)
    ]
    assert not offences, (
        "a line inside $...$ starts with a block marker; reflow it:\n"
        + "\n".join(offences)
    )


@pytest.mark.parametrize(
    "text",
    [
        "The identity is one line: $u_{t+1} = u_t\n- \\eta\\rho u_t$, as claimed.",
        "so $a = b\n+ O(\\rho^2)$.",
        "since $x\n1. y$",
        "where $x\n> y$",
        "and $x\n# y$",
        "and $x\n% y$",
        "and $x\n---\n$",
        "an unclosed $x\n\nnext paragraph",
        "```{prf:lemma} 5\n:label: lem-5\n\nthus $a\n- b$\n```",
    ],
)
def test_the_scan_finds_broken_formulas(text):
    assert broken_math(text)


@pytest.mark.parametrize(
    "text",
    [
        "$a\n= b$ and $c$\n- a list item with $d$",
        "$$\nx\n- y\n$$",
        "```python\nx = '$'\n- 1\n```",
        "`$` is not math\n- item",
        "\\$5 and\n- item",
        "\\begin{align}\na &= $b\n- c\n\\end{align}",
        "> quoted $a\n> = b$",
    ],
)
def test_the_scan_passes_sound_formulas(text):
    assert not broken_math(text)
