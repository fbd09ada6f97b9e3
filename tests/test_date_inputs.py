"""A date picker (<input type=date>) takes only yyyy-MM-dd: the Chinese date format would render a default as
2027/03/08, which the browser drops (QA: the token expiry field was empty in Chinese). Every date picker of
every form renders its value in ISO, whatever the language."""

import inspect
from datetime import date

import pytest
from django import forms
from django.utils import translation

from obligations.forms import api_tokens, audit, cases, exports, letters, reviews, work

DAY = date(2027, 3, 8)


def date_pickers():
    for module in (api_tokens, audit, cases, exports, reviews, work):
        for name, form in inspect.getmembers(module, inspect.isclass):
            if issubclass(form, forms.Form) and form.__module__ == module.__name__:
                for field_name, field in form.base_fields.items():
                    if isinstance(field.widget, forms.DateInput) and field.widget.input_type == "date":
                        yield f"{name}.{field_name}", field.widget
    yield "letter blank", letters._blank_field({"kind": "date", "label": "签订日期"}, False).widget


PICKERS = dict(date_pickers())


def test_the_forms_with_a_date_picker_are_found():
    assert {"ApiTokenForm.expires_on", "AuditFilter.date_from", "RectificationForm.due_date",
            "PeriodExportForm.start", "letter blank"} <= PICKERS.keys()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("name", sorted(PICKERS))
def test_a_date_picker_renders_its_value_in_iso(name, language):
    with translation.override(language):
        html = PICKERS[name].render("d", DAY)
    assert 'value="2027-03-08"' in html, (name, html)


def test_without_the_format_chinese_would_render_what_the_picker_drops():
    with translation.override("zh-hans"):
        assert forms.DateInput(attrs={"type": "date"}).format_value(DAY) != "2027-03-08"
