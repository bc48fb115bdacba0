"""Results tables for the chapters: Markdown that the book renders as a table.

The book renders a cell's ``text/markdown`` output as MyST, so a table of numbers and
inline math (``$\\beta_1$``) returned by :func:`results_table` is typeset on the page
and shown as a table in Jupyter too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = ["markdown_table", "results_table"]


def markdown_table(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    """The Markdown (pipe) table with the given header and rows.

    Parameters
    ----------
    header : sequence of str
        Column titles (Markdown; inline math allowed).
    rows : iterable of sequences
        One sequence a row, as long as ``header``; entries are converted with ``str``.

    Examples
    --------
    >>> print(markdown_table(["λ", "β"], [[1.0, 0.5], [0.5, 0.25]]))
    | λ | β |
    |---|---|
    | 1.0 | 0.5 |
    | 0.5 | 0.25 |
    """
    header = [str(h) for h in header]
    if not header:
        raise ValueError("a table needs at least one column")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for i, row in enumerate(rows):
        cells = [str(x).replace("|", "\\|") for x in row]
        if len(cells) != len(header):
            raise ValueError(
                f"row {i} has {len(cells)} entries, the header has {len(header)}"
            )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def results_table(header: Sequence[str], rows: Iterable[Sequence]):
    """:func:`markdown_table` as an IPython ``Markdown`` object, shown as a table."""
    from IPython.display import Markdown

    return Markdown(markdown_table(header, rows))
