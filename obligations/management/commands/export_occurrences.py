from datetime import date

from django.core.management.base import BaseCommand, CommandError

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
            "(as the dashboard's drill-down selects).")

    def add_arguments(self, parser):
        parser.add_argument("--platform", required=True, help="platform slug")
        parser.add_argument("--from", dest="date_from", type=_date, metavar="YYYY-MM-DD",
                            help="first local day of the due dates (included)")
        parser.add_argument("--to", dest="date_to", type=_date, metavar="YYYY-MM-DD",
                            help="last local day of the due dates (included)")
        parser.add_argument("--format", choices=["csv", "json"], default="csv")

    def handle(self, *args, platform, date_from, date_to, format, **options):
        try:
            p = Platform.objects.get(slug=platform)
        except Platform.DoesNotExist:
            raise CommandError(f"no platform with slug {platform!r}") from None
        if date_from and date_to and date_from > date_to:
            raise CommandError("--from must not be after --to")
        rows = exports.occurrence_rows(exports.platform_occurrences(p, date_from, date_to))
        out = self.stdout._out  # the raw stream: OutputWrapper would add newlines to JSON chunks
        (exports.write_csv if format == "csv" else exports.write_json)(rows, out)
