"""Checks of the book's sources for defects a reader would see on the rendered pages.

* Math broken by a line break. MyST reads a line break inside ``$...$`` like any
  other: a continuation line that starts with a block marker (``- ``, ``+ ``, ``1. ``,
  ``> ``, ``#``, ``%``, ...) opens a list, quote, heading or comment, cuts the formula
  in two and swaps prose and math for the rest of the paragraph.
* Notation shown as plain text: ``w_t``, ``λ_SAM``, ``\\eta`` or ``λ1`` outside math in
  prose, figure captions (MyST, so ``$w_t$`` is typeset), matplotlib labels (mathtext)
  and printed lines, and anything TeX-like in alt texts, which are never typeset.
* Sentences about the book's copy of the paper, statement titles that do not follow
  the convention, and development notes or placeholder addresses in visible text.
"""

import ast
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


# -- TeX or subscript notation shown as plain text -------------------------------------

# Calls whose string arguments end up as visible text: matplotlib titles, labels,
# legends and annotations, printed output, and the Markdown tables the chapters display.
_TEXT_CALLS = {
    "set_xlabel",
    "set_ylabel",
    "set_title",
    "suptitle",
    "supxlabel",
    "supylabel",
    "set_text",
    "text",
    "annotate",
    "figtext",
    "legend",
    "set_label",
    "set_xticks",
    "set_yticks",
    "set_xticklabels",
    "set_yticklabels",
    "print",
    "md_table",
    "Markdown",
}
_TEXT_KEYWORDS = {"label", "title", "xlabel", "ylabel", "labels"}
_MATH_SPAN = re.compile(r"(?<!\\)\$(?:\\.|[^$\\])*\$")
_GREEK = "α-ωΑ-Ω"
PLAIN_TEX = [
    (re.compile(r"\\[A-Za-z]+"), "a TeX command"),
    (
        re.compile(rf"(?:(?<![\w{_GREEK}])[A-Za-z{_GREEK}]|[)\]}}|‖])_[\w{{(+*]"),
        "underscore subscript notation",
    ),
    (re.compile(r"[\w)\]}|‖]\^"), "caret superscript notation"),
    (
        re.compile(r"(?<![\w.])[A-Za-z][0-9]+(?![\w.])"),
        "a letter with a bare index (write $w_0$ or w₀)",
    ),
    (
        re.compile(rf"[{_GREEK}∇][0-9]|[{_GREEK}](?:i|j|t|d|k|max|min)(?![\w])"),
        "a Greek letter with a bare index (write $\\lambda_1$ or λ₁)",
    ),
]


def _field_text(part):
    """How one part of an f-string shows: its text, a constant field's value
    (f"{'x':>8}" shows x) or {} for a computed field."""
    if isinstance(part, ast.Constant):
        return str(part.value)
    if isinstance(part.value, ast.Constant):
        return str(part.value.value)
    return "{}"


def _shown_strings(node):
    """The strings a node would show, with {} for the computed fields of f-strings."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.JoinedStr):
        yield "".join(_field_text(part) for part in node.values)
    else:
        for child in ast.iter_child_nodes(node):
            yield from _shown_strings(child)


def figure_texts(source):
    """Strings of a code cell that are shown as text: labels, titles, printed lines."""
    code = "\n".join(
        line for line in source.split("\n") if not line.lstrip().startswith(("%", "!"))
    )
    texts = []
    for node in ast.walk(ast.parse(code)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in _TEXT_CALLS:
            for arg in node.args:
                texts.extend(_shown_strings(arg))
        for keyword in node.keywords:
            if keyword.arg in _TEXT_KEYWORDS:
                texts.extend(_shown_strings(keyword.value))
    return texts


def plain_tex(text, typeset=True):
    """What in ``text`` is notation that will not be typeset. With typeset=True,
    spans in $...$ are math (captions, matplotlib's mathtext); alt text is never
    typeset, so a $ there is shown as it is."""
    outside = _MATH_SPAN.sub(" ", text) if typeset else text
    found = [why for pattern, why in PLAIN_TEX if pattern.search(outside)]
    if "$" in outside:
        found.append("a $ that is shown as it is")
    if not typeset and "_" in text:
        found.append("an underscore")
    return found


def shown_texts(path):
    """(where, text, typeset) of captions, alt texts and figure/printed text."""
    texts = []
    cells = json.loads(path.read_text())["cells"]
    for i, cell in enumerate(cells):
        where = f"{_page_id(path)} cell {i}"
        meta = cell.get("metadata", {}).get("mystnb", {})
        caption = meta.get("figure", {}).get("caption")
        alt = meta.get("image", {}).get("alt")
        if caption:
            texts.append((f"{where} caption", caption, True))
        if alt:
            texts.append((f"{where} alt text", alt, False))
        if cell["cell_type"] == "code":
            source = "".join(cell["source"])
            texts.extend((f"{where} code", s, True) for s in figure_texts(source))
    return texts


NOTEBOOKS = [p for p in PAGES if p.suffix == ".ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_page_id)
def test_captions_labels_and_printed_text_typeset_their_notation(path):
    offences = [
        f"{where}: {', '.join(why)}: {text!r}"
        for where, text, typeset in shown_texts(path)
        if (why := plain_tex(text, typeset))
    ]
    assert not offences, "notation shown as plain text:\n" + "\n".join(offences)


@pytest.mark.parametrize(
    "text, typeset",
    [
        ("the iterates u_0, …, u_25", True),
        ("SAM's edge λ_SAM (dotted)", True),
        ("[log(‖v0‖/b)]_+/(ηλd)", True),
        ("angle(w_t, u*) in degrees", True),
        ("a slope (1 + μ)^(−2) per step", True),
        (r"the bound $T$ = \eta", True),
        ("sharpness λmax", True),
        ("at βi (dotted)", True),
        ("from w0 = (2, 2)", True),
        ("its dotted line beta_i", False),
        ("the ball $\\|v\\| \\le b$", False),
        ("a lone $ sign", True),
    ],
)
def test_the_scan_finds_plain_notation(text, typeset):
    assert plain_tex(text, typeset)


@pytest.mark.parametrize(
    "text, typeset",
    [
        (r"the iterates $u_0, \dots, u_{25}$", True),
        (r"SAM's edge $\lambda_{\mathrm{SAM}}$ (dotted)", True),
        ("the iterates u₀, …, u₂₅ and λ₁ = 1", False),
        ("step {} of 2000, η = 0.2, ρ = 1", True),
        ("limit_cycle: η ≥ 2/λ₁", True),
        ("a 2→16→1 network, 1e-3 below, N(0, σ²I)", True),
    ],
)
def test_the_scan_passes_typeset_notation(text, typeset):
    assert not plain_tex(text, typeset)


_ROLE = re.compile(r"\{[\w:-]+\}`[^`]*`")
_TARGET_OR_OPTION = re.compile(r"^\s*(?:\([^()\s]*\)=\s*$|:[\w-]+:)")


def prose_paragraphs(text):
    """(line number, paragraph) of prose, with code spans, roles, MyST targets and
    directive options left out; display math and code blocks are not prose."""
    for start, lines in _markdown_paragraphs(text):
        kept = [line for line in lines if not _TARGET_OR_OPTION.match(line)]
        yield start + 1, _ROLE.sub(" ", _mask_code_spans(" ".join(kept)))


@pytest.mark.parametrize("path", PAGES, ids=_page_id)
def test_prose_typesets_its_notation(path):
    offences = [
        f"{where}, line {n}: {', '.join(why)}: {_MATH_SPAN.sub(' ', para)[:160]!r}"
        for where, text in markdown_sources(path)
        if not where.endswith("caption")
        for n, para in prose_paragraphs(text)
        if (why := plain_tex(para))
    ]
    assert not offences, "notation shown as plain text:\n" + "\n".join(offences)


def test_the_prose_scan_sees_plain_notation_and_skips_math_and_code():
    text = "as the drift lowers λ1, the gradient\nnorm $\\beta_1$ falls"
    assert [why for _, para in prose_paragraphs(text) if (why := plain_tex(para))]
    sound = (
        "(sec-x1)=\n## 7.1 Title with $w_1$\n\nCall `run_sam(w_0)` or\n{ref}`sec-x1`."
    )
    assert not [p for _, p in prose_paragraphs(sound) if plain_tex(p)]


# -- how the book was written ----------------------------------------------------------

# The book states what the paper says; it never speaks of its copy of the paper.
SOURCE_TALK = re.compile(
    r"garbl|extracted|extraction|text of the paper|paper's text|our (?:text|copy"
    r"|version|reading) of|transcri|\bOCR\b|as we read it",
    re.IGNORECASE,
)


def page_text(path):
    """The whole text of a page: every cell's source and metadata of a notebook."""
    return path.read_text()


@pytest.mark.parametrize("path", PAGES, ids=_page_id)
def test_no_sentence_about_the_books_copy_of_the_paper(path):
    found = [
        line.strip()[:160]
        for line in page_text(path).split("\n")
        if SOURCE_TALK.search(line)
    ]
    assert not found, "the book speaks of its copy of the paper:\n" + "\n".join(found)


# -- titles of statements --------------------------------------------------------------

# The paper's numbered statements carry their number as the title ("Theorem 2"); the
# book's own, unnumbered ones a name in parentheses ("Proposition (GD's edge of
# stability)"), since the title follows the directive's name with a space only.
_PRF = re.compile(r"^\s*(`{3,}|:{3,})\{prf:(\w+)\}[ \t]*(.*)$", re.MULTILINE)
_TITLE = re.compile(r"\d+|\(.+\)")


@pytest.mark.parametrize("path", PAGES, ids=_page_id)
def test_statement_titles_follow_the_convention(path):
    bad = [
        f"{where}: prf:{kind} {title!r}"
        for where, text in markdown_sources(path)
        for _, kind, title in _PRF.findall(text)
        if kind != "proof" and not _TITLE.fullmatch(title.strip())
    ]
    assert not bad, (
        "a statement's title is the paper's number or a name in parentheses:\n"
        + "\n".join(bad)
    )


# -- development notes and placeholders ------------------------------------------------

DEV_NOTE = re.compile(
    r"\bTODO\b|\bFIXME\b|\bXXX\b|\bTBD\b|example/sam-dynamics-book|example\.com"
    r"|lorem ipsum",
    re.IGNORECASE,
)


def visible_sources(path):
    """(where, text) of what a reader can see: markdown, captions, alt texts and the
    code of cells whose source is shown (hidden cells and the Colab set-up excluded)."""
    if path.suffix == ".md":
        return [(_page_id(path), path.read_text())]
    texts = []
    for i, cell in enumerate(json.loads(path.read_text())["cells"]):
        where = f"{_page_id(path)} cell {i}"
        meta = cell.get("metadata", {})
        tags = set(meta.get("tags", []))
        mystnb = meta.get("mystnb", {})
        texts.append((where + " caption", mystnb.get("figure", {}).get("caption", "")))
        texts.append((where + " alt text", mystnb.get("image", {}).get("alt", "")))
        if cell["cell_type"] == "markdown" or not tags & {
            "remove-cell",
            "remove-input",
        }:
            texts.append((where, "".join(cell["source"])))
    return texts


@pytest.mark.parametrize("path", PAGES, ids=_page_id)
def test_no_development_notes_in_visible_text(path):
    found = [
        f"{where}: {line.strip()[:120]}"
        for where, text in visible_sources(path)
        for line in text.split("\n")
        if DEV_NOTE.search(line)
    ]
    assert not found, "development notes or placeholders:\n" + "\n".join(found)
