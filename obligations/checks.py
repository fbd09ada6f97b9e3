"""System checks: a broken letter template is reported when the app starts (runserver,
migrate, the worker), with its file, the path inside it and the reason; a deployment
whose links in mails and calendars would point at a laptop is warned of (check --deploy)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks

from .letters import template as tpl


@checks.register()
def letter_templates(app_configs, **kwargs):
    try:
        tpl.registry()
    except tpl.TemplateError as exc:
        return [checks.Error(f"letter template refused: {exc}", id="pledge.E001",
                             hint="Fix the file, or remove it from PLEDGE_TEMPLATE_DIRS.")]
    return []


@checks.register(checks.Tags.security, deploy=True)
def site_url(app_configs, **kwargs):
    site = urlsplit(settings.PLEDGE_SITE_URL)
    if site.hostname in ("127.0.0.1", "localhost", "::1") or site.scheme != "https":
        return [checks.Warning(f"PLEDGE_SITE_URL is {settings.PLEDGE_SITE_URL}: the links in mails, invitations "
                               "and calendar feeds will not open for their readers.", id="pledge.W001",
                               hint="Set PLEDGE_SITE_URL to the HTTPS address people open, e.g. "
                                    "https://pledge.example.cn.")]
    return []
