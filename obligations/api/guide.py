"""The integrator's guide (docs/api.md) served at /api/v1/guide/: whoever holds a token reads the
repository's guide, not a path into a repository they cannot see. No token needed, like the schema."""

from functools import lru_cache

import markdown
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET


@lru_cache(maxsize=1)
def guide_html() -> str:
    text = (settings.BASE_DIR / "docs" / "api.md").read_text(encoding="utf-8")
    # Our own file, so its HTML is trusted; tables and code blocks as the repository shows them.
    return markdown.markdown(text, extensions=["tables", "fenced_code"])


@login_not_required  # like the schema: an integrator holds a token, not an account
@require_GET
def guide(request):
    # The guide is docs/api.md of this repository, rendered by us: trusted HTML, not user input.
    return render(request, "api/guide.html", {"guide": SafeString(guide_html())})  # nosec B703 - our own file
