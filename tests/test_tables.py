"""samlib.tables: the Markdown tables the chapters print."""

import pytest

from samlib.tables import markdown_table, results_table


def test_a_table_has_a_header_a_rule_and_one_line_a_row():
    text = markdown_table(["$\\lambda$", "J"], [[1, "0.5"], [2, "-0.25"]])
    assert text.splitlines() == [
        "| $\\lambda$ | J |",
        "|---|---|",
        "| 1 | 0.5 |",
        "| 2 | -0.25 |",
    ]


def test_a_pipe_inside_an_entry_does_not_split_its_cell():
    assert markdown_table(["norm"], [["|x|"]]).splitlines()[-1] == "| \\|x\\| |"


def test_rows_must_match_the_header():
    with pytest.raises(ValueError, match="row 1 has 1 entries, the header has 2"):
        markdown_table(["a", "b"], [[1, 2], [3]])
    with pytest.raises(ValueError, match="at least one column"):
        markdown_table([], [])


def test_results_table_is_shown_as_markdown():
    shown = results_table(["a"], [[1]])
    assert shown._repr_markdown_() == "| a |\n|---|\n| 1 |"
