"""What our commands say to their operator: in the site's language (LANGUAGE_CODE, zh-hans by default),
or in --language's, like the pages. Refusals, verdicts and reports are worded for people and marked for
translation; a line of key=value figures (created=3 missed=1) is for scripts and logs, the same in every
language. --help stays in English, like Django's own commands."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation


class SpokenCommand(BaseCommand):
    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.add_argument("--language", choices=[code for code, _name in settings.LANGUAGES],
                            default=settings.LANGUAGE_CODE,
                            help="the language of what the command says (and of a CSV's headers)")
        return parser

    def execute(self, *args, **options):
        with translation.override(options.get("language") or settings.LANGUAGE_CODE):
            return super().execute(*args, **options)
