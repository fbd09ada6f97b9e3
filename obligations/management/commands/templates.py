from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from obligations.letters import template as tpl
from obligations.management.spoken import SpokenCommand


class Command(SpokenCommand):
    help = "List the registered letter templates, or check template files (--check FILE ...)."

    def add_arguments(self, parser):
        parser.add_argument("--check", nargs="+", metavar="FILE", help="check these files instead of listing")

    def handle(self, *args, check=None, **options):
        try:
            templates = [tpl.load_template(Path(f)) for f in check] if check else list(tpl.registry().values())
        except tpl.TemplateError as exc:
            raise CommandError(_("模板文件有误:%(error)s") % {"error": exc}) from None
        for t in templates:
            self.stdout.write(f"{t.key}\t{t.name}\tclauses={len(t.clauses)}\tobligations={t.obligation_count}\t"
                              f"blanks={len(t.blanks)}\t{t.file}")
