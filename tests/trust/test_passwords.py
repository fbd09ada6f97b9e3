"""Passwords: twelve characters at least, not like the user name, not common, not all
digits, not of too few different characters — refused in Chinese."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import translation

from obligations.trust.passwords import VarietyValidator
from tests.conftest import make_user


def refusals(password, user=None):
    with translation.override("zh-hans"):
        try:
            validate_password(password, user)
        except ValidationError as exc:
            return " ".join(exc.messages)
    return ""


@pytest.mark.parametrize("password,says", [
    ("qqqqqqqqq", "至少要包含 12 个字符"),
    ("qqqqqqqqqqqq", "不同的字符太少"),
    ("abababababab", "不同的字符太少"),
    ("password1234", "这个密码太常见了"),
    ("830192740128", "密码只包含数字"),
])
def test_weak_passwords_are_refused_in_chinese(db, password, says):
    assert says in refusals(password)


def test_a_password_like_the_user_name_is_refused(db):
    user = make_user("zhangwei-ops")
    user.email = "zhangwei-ops@example.com"
    assert "太相似" in refusals("zhangwei-ops1", user)


@pytest.mark.parametrize("password", ["Olga-密码-2026", "pledge demo 2026", "correct-horse-battery"])
def test_good_passwords_pass(db, password):
    assert refusals(password) == ""


def test_variety_counts_distinct_characters_regardless_of_case():
    VarietyValidator(5).validate("abcdeabcdeab")
    with pytest.raises(ValidationError):
        VarietyValidator(5).validate("aAbBcCdDaAbB")
    assert "5" in VarietyValidator(5).get_help_text()
