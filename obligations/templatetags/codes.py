"""Codes shown as codes: an action code, a hash or a stored value no language reads
(`auth.login`, `missed`) is marked `lang="zxx"` (no linguistic content), so readers, screen
readers and the page-language check take it for what it is, not for English."""

import re

from django import template

register = template.Library()

CODE = re.compile(r"[a-z0-9][a-z0-9_.:\-]*")


@register.filter
def is_code(value) -> bool:
    return isinstance(value, str) and bool(CODE.fullmatch(value))
