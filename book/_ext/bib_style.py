"""The reference list labels each work as the text cites it: "Bartlett et al., 2023".

The chapters cite in author–year form (``bibtex_reference_style: author_year``), but
pybtex's styles label the list itself with numbers or alpha codes ("[BLB23]"), so a
reader could not find "Foret et al. (2021)" in it. This registers the pybtex style
``book_author_year``: pybtex's ``unsrt`` entries (with their DOI, URL and arXiv links)
sorted by author and year, labelled "Author, year", "A and B, year" or
"A et al., year" like the citations, with a, b, ... after the year when two works
would get the same label.
"""

from __future__ import annotations

from collections import Counter

from pybtex.plugin import register_plugin
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.labels import BaseLabelStyle

NAME = "book_author_year"


def _surname(person) -> str:
    parts = person.rich_prelast_names + person.rich_last_names
    return " ".join(str(part) for part in parts)


def _authors(entry) -> str:
    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [_surname(person) for person in persons]
    if not names:
        return entry.fields.get("key", entry.key)
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]} and {names[1]}"
    return f"{names[0]} et al."


class AuthorYearLabels(BaseLabelStyle):
    """Labels "Author, year" as the author-year citations print them."""

    def format_labels(self, sorted_entries):
        entries = list(sorted_entries)
        labels = [f"{_authors(e)}, {e.fields.get('year', 'n.d.')}" for e in entries]
        repeated = Counter(labels)
        seen: Counter = Counter()
        for label in labels:
            if repeated[label] > 1:
                seen[label] += 1
                yield f"{label}{chr(ord('a') + seen[label] - 1)}"
            else:
                yield label


class AuthorYearStyle(UnsrtStyle):
    """pybtex's ``unsrt`` entries, sorted by author and year, author-year labels."""

    default_label_style = NAME
    default_sorting_style = "author_year_title"


def setup(app):
    register_plugin("pybtex.style.labels", NAME, AuthorYearLabels)
    register_plugin("pybtex.style.formatting", NAME, AuthorYearStyle)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
