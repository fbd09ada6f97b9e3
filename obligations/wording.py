"""Words the code puts together for people: a list reads 甲、乙 in Chinese and "A, B" in English."""

from django.utils.translation import pgettext


def enumeration(items) -> str:
    """The items as one list, with the separator of the active language."""
    return pgettext("list separator", "、").join(str(item) for item in items)
