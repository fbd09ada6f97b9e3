"""Filled values against their blanks: what is missing or out of bounds, by label."""

from datetime import date

from .template import PERIOD_LABELS


def value_problem(blank: dict, value) -> str | None:
    """Why `value` does not fill `blank`, or None when it does."""
    if value in (None, ""):
        return "empty"
    kind = blank["kind"]
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            return "not a whole number"
        if not blank.get("min", value) <= value <= blank.get("max", value):
            return "out of bounds"
    if kind == "period" and value not in PERIOD_LABELS:
        return "not a period"
    if kind == "choice" and str(value) not in {str(c[0]) for c in blank.get("choices", [])}:
        return "not a choice"
    if kind == "date":
        try:
            date.fromisoformat(str(value))
        except ValueError:
            return "not a date"
    return None


def values_problems(blanks: list[dict], values: dict) -> list[str]:
    """The labels of the blanks that are empty or wrongly filled, in the letter's order."""
    return [b["label"] for b in blanks if value_problem(b, values.get(b["name"])) is not None]
