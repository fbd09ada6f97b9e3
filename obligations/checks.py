"""System checks: a broken letter template is reported when the app starts (runserver,
migrate, the worker), with its file, the path inside it and the reason."""

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
