"""A form body past PLEDGE_MAX_FORM_BYTES is the site's answer in every mode (compliance/too_large.py):
the 400 page's advice, or the page's own answer with the fields that fitted."""

from urllib.parse import quote

import pytest
from django.test import RequestFactory
from django.urls import reverse

from compliance import too_large


@pytest.mark.parametrize("debug", [True, False], ids=["debug", "production"])
def test_a_page_without_its_own_answer_gives_the_400_page_not_the_technical_one(client, signed_letter, officer,
                                                                                settings, debug):
    settings.DEBUG = debug
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    client.force_login(officer)
    response = client.post(reverse("case-new", args=[signed_letter.platform.slug]), {"description": "长" * 100_000})
    html = response.content.decode()
    assert response.status_code == 400 and 'id="too-large"' in html and "RequestDataTooBig" not in html


@pytest.mark.parametrize("shift", range(9))
def test_the_fields_that_fit_end_on_a_whole_character(monkeypatch, shift):
    """However the reading stops (inside a %XX escape, between the three of one character), the kept
    text holds whole characters only; the fields before it come whole, and the one cut is named."""
    monkeypatch.setattr(too_large, "KEEP_BYTES", 1000)
    body = f"name={'a' * shift}&text={quote('长' * 500)}&consent=on".encode()
    request = RequestFactory().generic("POST", "/", body, content_type="application/x-www-form-urlencoded")
    fitted = too_large.fields_that_fit(request)
    assert fitted.fields["name"] == "a" * shift and fitted.cut == "text" and fitted.size == len(body)
    kept = fitted.fields["text"]
    assert set(kept) == {"长"} and len(kept) == (1000 - len(f"name={'a' * shift}&text=")) // 9
    assert "consent" not in fitted.fields


def test_a_body_read_whole_within_the_keep_cuts_nothing(monkeypatch):
    body = b"name=a&text=%E9%95%BF&consent=on"
    request = RequestFactory().generic("POST", "/", body, content_type="application/x-www-form-urlencoded")
    fitted = too_large.fields_that_fit(request)
    assert (fitted.fields.dict(), fitted.cut) == ({"name": "a", "text": "长", "consent": "on"}, "")
