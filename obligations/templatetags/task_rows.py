"""What a task row asks for: the rules live in work/occurrences.py."""

from django import template

from ..work.occurrences import note_required as _note_required

register = template.Library()


@register.filter
def note_required(occurrence) -> bool:
    """The completion note is the outcome itself (a complaint's decision): the row asks for it."""
    return _note_required(occurrence)
