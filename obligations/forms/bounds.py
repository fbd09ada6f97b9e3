"""The fields that keep a typed date, time or text within schedule/bounds.py's limits."""

from django import forms
from django.core.exceptions import ValidationError

from ..schedule.bounds import DATE_ATTRS, DATETIME_ATTRS, EARLIEST, LATEST, OUT_OF_BOUNDS, check_bounds, check_text


class BoundedDateField(forms.DateField):
    """A date between EARLIEST and LATEST; the date picker offers no other."""

    default_validators = [check_bounds]

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "min": DATE_ATTRS["min"], "max": DATE_ATTRS["max"]}


class BoundedDateTimeField(forms.DateTimeField):
    """A time whose local date lies between EARLIEST and LATEST. Python parses 0001-01-01 and
    9999-12-31 23:59 but cannot move them to UTC: refused here, before any arithmetic."""

    default_validators = [check_bounds]

    def to_python(self, value):
        try:
            return super().to_python(value)
        except OverflowError:
            raise ValidationError(OUT_OF_BOUNDS, code="out_of_bounds", params={
                "earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()}) from None

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "min": DATETIME_ATTRS["min"], "max": DATETIME_ATTRS["max"]}


class CleanCharField(forms.CharField):
    """Text without control characters (Django's CharField already refuses NUL, as one of them)."""

    default_validators = [check_text]
