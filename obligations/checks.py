"""System checks: a broken letter template is reported when the app starts (runserver,
migrate, the worker), with its file, the path inside it and the reason; a deployment
whose links in mails and calendars would point at a laptop, or whose app connects to
PostgreSQL as a role that could switch the guards off, is warned of (check --deploy)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from .letters import template as tpl
from .trust.db_roles import role_powers


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


@checks.register(checks.Tags.security, deploy=True)
def database_role(app_configs, **kwargs):
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        return []
    role = connection.settings_dict["USER"]
    hint = ("Connect the app (DATABASE_URL) as a role of its own that owns no table, and migrate as the owner "
            "(DATABASE_OWNER_URL): README, \"Database roles\".")
    try:
        with connection.cursor() as cursor:
            superuser, owned = role_powers(cursor, tables=connection.introspection.django_table_names(
                only_existing=True, include_views=False))
    except DatabaseError as exc:
        return [checks.Warning(f"Could not check the database role {role}: {exc}".strip(), id="pledge.W004",
                               hint="check --deploy checks the role once the database answers.")]
    found = []
    if superuser:
        found.append(checks.Warning(f"The app connects to the database as {role}, a superuser: it can disable the "
                                    "triggers that keep records permanent.", id="pledge.W002", hint=hint))
    if owned:
        found.append(checks.Warning(f"The app connects to the database as {role}, which owns {len(owned)} of its "
                                    f"tables (e.g. {owned[0]}): it can drop or disable their triggers.",
                                    id="pledge.W003", hint=hint))
    return found
