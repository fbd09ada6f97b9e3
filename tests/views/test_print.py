"""Printing: every page links the print stylesheet, which fits A4 and leaves out the
navigation, buttons and forms, and keeps table rows whole."""

import re
from pathlib import Path

from django.test import Client
from django.urls import reverse

from tests.oversight.export_support import sign

PRINT_CSS = Path(__file__).resolve().parents[2] / "static" / "pledge" / "print.css"


def test_print_stylesheet_fits_a4_and_hides_the_screen_controls():
    css = PRINT_CSS.read_text()
    assert re.search(r"@page\s*\{[^}]*size:\s*A4", css)
    without_comments = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    hidden = re.search(r"([^{}]+)\{\s*display:\s*none !important;", without_comments).group(1)
    for selector in ("nav", ".navbar", ".btn", "button", "form", ".d-print-none"):
        assert selector in [s.strip() for s in hidden.split(",")], selector
    assert re.search(r"tr, td, th \{[^}]*break-inside: avoid", css)
    assert "thead { display: table-header-group; }" in css


def test_the_letter_and_the_dashboard_link_the_print_stylesheet(platform, officer):
    sign(platform, officer)
    client = Client()
    client.force_login(officer)
    for url in (reverse("letter-detail", args=[platform.slug]), reverse("dashboard", args=[platform.slug])):
        html = client.get(url).content.decode()
        assert re.search(r'<link rel="stylesheet" href="/static/pledge/print\.css" media="print">', html), url
