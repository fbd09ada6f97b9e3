from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from obligations.models import Platform
from obligations.oversight import exports


def _date(value):
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from None


class Command(BaseCommand):
    help = ("Export a platform's occurrences, one row each, as CSV or JSON. --from and --to select by due "
            "date: the platform's local days, both included, a task due at 00:00 counting on the day before "
            "(as the dashboard's drill-down selects). CSV names its columns and states in --language "
            "(Chinese by default); --format csv-codes (or --codes) writes the column and state codes, for "
            "scripts; JSON always carries the codes.")

    def add_arguments(self, parser):
        parser.add_argument("--platform", required=True, help="platform slug")
        parser.add_argument("--from", dest="date_from", type=_date, metavar="YYYY-MM-DD",
                            help="first local day of the due dates (included)")
        parser.add_argument("--to", dest="date_to", type=_date, metavar="YYYY-MM-DD",
                            help="last local day of the due dates (included)")
        parser.add_argument("--format", choices=["csv", "csv-codes", "json"], default="csv")
        parser.add_argument("--codes", action="store_true", help="CSV with column and state codes (--format csv-codes)")
        parser.add_argument("--language", choices=[code for code, _name in settings.LANGUAGES],
                            default=settings.LANGUAGE_CODE, help="the language of the CSV's headers and states")

    def handle(self, *args, platform, date_from, date_to, format, codes, language, **options):
        try:
            p = Platform.objects.get(slug=platform)
        except Platform.DoesNotExist:
            raise CommandError(f"no platform with slug {platform!r}") from None
        if date_from and date_to and date_from > date_to:
            raise CommandError("--from must not be after --to")
        rows = exports.occurrence_rows(exports.platform_occurrences(p, date_from, date_to))
        out = self.stdout._out  # the raw stream: OutputWrapper would add newlines to JSON chunks
        if format == "json":
            exports.write_json(rows, out)
            return
        with translation.override(language):
            exports.write_csv(rows, out, codes=codes or format == "csv-codes")
