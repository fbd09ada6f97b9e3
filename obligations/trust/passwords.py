"""A password check beside Django's built-in ones (settings.AUTH_PASSWORD_VALIDATORS):
twelve characters of one or two kinds (`qqqqqqqqqqqq`, `abababababab`) guess as easily
as a short password."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class VarietyValidator:
    def __init__(self, min_distinct=5):
        self.min_distinct = min_distinct

    def validate(self, password, user=None):
        if len(set(password.casefold())) < self.min_distinct:
            raise ValidationError(
                _("密码中不同的字符太少,至少需要 %(n)d 个不同的字符。") % {"n": self.min_distinct},
                code="password_too_uniform")

    def get_help_text(self):
        return _("密码至少包含 %(n)d 个不同的字符。") % {"n": self.min_distinct}
