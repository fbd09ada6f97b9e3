"""Finding a case by what a person reads out: its 查询码 (the public reference, K7QD-MX3A-PW9R) or
its internal number (TS-2026-000001). Read over the phone, a code comes in any case, with spaces
or without its dashes: only its letters and digits count."""

import re

from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Replace, Upper

_NOT_A_CODE_CHARACTER = re.compile(r"[^0-9A-Z]")


def code_key(text: str) -> str:
    """The letters and digits of a typed code, upper case: "7vpg zepn-9a2b" → "7VPGZEPN9A2B"."""
    return _NOT_A_CODE_CHARACTER.sub("", (text or "").upper())


def public_ref_of(text: str) -> str:
    """A typed 查询码 in the form stored (three groups of four joined by dashes), or "" when it has
    not the 12 letters and digits of one."""
    key = code_key(text)
    return f"{key[:4]}-{key[4:8]}-{key[8:]}" if len(key) == 12 else ""


def cases_matching(cases: QuerySet, text: str) -> QuerySet:
    """The cases whose 查询码 or number holds the typed code, whole or a part of it, dashes and
    spaces aside. A text without a letter or digit matches nothing."""
    key = code_key(text)
    if not key:
        return cases.none()
    return (cases.annotate(ref_key=Replace(F("public_ref"), Value("-"), Value("")),
                           number_key=Upper(Replace(F("number"), Value("-"), Value(""))))
            .filter(Q(ref_key__contains=key) | Q(number_key__contains=key)))

