from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from obligations.letters import template as tpl


class Command(BaseCommand):
    help = "List the registered letter templates, or check template files (--check FILE ...)."

    def add_arguments(self, parser):
        parser.add_argument("--check", nargs="+", metavar="FILE", help="check these files instead of listing")

    def handle(self, *args, check=None, **options):
        try:
            templates = [tpl.load_template(Path(f)) for f in check] if check else list(tpl.registry().values())
        except tpl.TemplateError as exc:
            raise CommandError(f"模板文件有误 / template refused: {exc}") from None
        for t in templates:
            self.stdout.write(f"{t.key}\t{t.name}\t{len(t.clauses)} clauses\t{t.obligation_count} obligations\t"
                              f"{len(t.blanks)} blanks\t{t.file}")
