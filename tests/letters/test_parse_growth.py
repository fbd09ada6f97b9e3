"""Parsing grows linearly with a clause's length: a letter of many sub-items or comma phrases
on one line must not tie up a web worker (#20). Measured as work done, never as wall time:
the Python lines and loop turns the letter parser executes, and how often a clause is read, for N and 2N
items. A step that rescans the clause (or everything found so far) per item grows 4×."""

import sys
from pathlib import Path

import pytest

from obligations.letters import clause_reading, duties
from obligations.letters.parser import parse_letters

LETTERS = str(Path(clause_reading.__file__).parent)
TOOL = 4  # a sys.monitoring tool id the debugger, coverage and profilers leave free

SHAPES = {
    "sub-items on one line": lambda n: "1.平台落实以下措施:" + "".join(f"({i})每日巡检{i}次;" for i in range(1, n + 1)),
    "comma phrases": lambda n: "1.平台" + "每日巡检,每月抽检," * n,
    "blanks in phrases": lambda n: "1.平台" + "每日巡检____次," * n,
}


def work(text: str, monkeypatch) -> tuple[int, int]:
    """(lines and loop turns executed in the letters package, read_clause calls) to parse text."""
    lines = reads = 0

    def line(code, *_where):
        nonlocal lines
        if not code.co_filename.startswith(LETTERS):
            return sys.monitoring.DISABLE
        lines += 1

    def counted(*args, **kwargs):
        nonlocal reads
        reads += 1
        return read_clause(*args, **kwargs)

    read_clause = duties.read_clause
    monkeypatch.setattr(duties, "read_clause", counted)
    sys.monitoring.use_tool_id(TOOL, "parse growth")
    try:
        for event in (sys.monitoring.events.LINE, sys.monitoring.events.JUMP):
            sys.monitoring.register_callback(TOOL, event, line)
        sys.monitoring.set_events(TOOL, sys.monitoring.events.LINE | sys.monitoring.events.JUMP)
        letters = parse_letters(text)
    finally:
        sys.monitoring.set_events(TOOL, 0)
        sys.monitoring.free_tool_id(TOOL)
        sys.monitoring.restart_events()
    assert sum(len(letter.clauses) for letter in letters) > 1  # the clause was cut into its duties
    return lines, reads


@pytest.mark.parametrize("shape", SHAPES)
def test_twice_the_items_is_at_most_about_twice_the_work(shape, monkeypatch):
    letter = SHAPES[shape]
    lines, reads = work(letter(300), monkeypatch)
    lines_twice, reads_twice = work(letter(600), monkeypatch)
    assert reads_twice <= 2.1 * reads
    assert lines_twice <= 2.2 * lines, (lines, lines_twice)


def test_a_field_label_before_thousands_of_blanks_is_read_in_bounded_words():
    """承诺人: followed by thousands of blanks on one line: each blank's name is drawn from a few
    words around it, not from the whole line before it (copied per blank, that grew quadratically)."""
    text = clause_reading.fold("承诺人:" + "每日____次 " * 3000)
    blanks = clause_reading.find_blanks(text, text)
    last = blanks[-1]
    name = clause_reading._context_name(text, last.start, last.end, None)
    assert name.startswith("承诺人(") and len(name) <= 2 * clause_reading.FIELD_WORDS + 3
