"""Codes shown as codes (templatetags/codes.py): what the filter takes for a code, and what not."""

import pytest

from obligations.templatetags.codes import is_code


@pytest.mark.parametrize("value,code", [("auth.login", True), ("missed", True), ("3f2a9c", True),
                                        ("已完成", False), ("Missed task", False), ("", False), (None, False),
                                        ("Safari 17 · iOS 17", False)])
def test_only_a_bare_lower_case_code_is_marked(value, code):
    assert is_code(value) is code
