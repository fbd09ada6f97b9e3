"""Links that leave the app — in emails, notifications and the calendar feed — are
absolute, on PLEDGE_SITE_URL: a calendar or mail app cannot open "/occurrences/2/"."""

from django.conf import settings
from django.urls import reverse


def site_url(path: str = "/") -> str:
    """`path` (from the site's root) on PLEDGE_SITE_URL."""
    return settings.PLEDGE_SITE_URL.rstrip("/") + "/" + path.lstrip("/")


def absolute_url(name: str, *args) -> str:
    """reverse(name, args) as an absolute URL."""
    return site_url(reverse(name, args=args or None))
