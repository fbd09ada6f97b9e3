from datetime import date

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from obligations.management.spoken import SpokenCommand
from obligations.models import Platform
from obligations.oversight import exports


def _date(value):
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise CommandError(_("不是日期(YYYY-MM-DD):%(value)s") % {"value": value}) from None


class Command(SpokenCommand):
    help = ("Export a platform's occurrences, one row each, as CSV or JSON. --from and --to select by due "
            "date: the platform's local days, both included, a task due at 00:00 counting on the day before "
            "(as the dashboard's drill-down selects). CSV names its columns and states in --language "
            "(Chinese by default); --format csv-codes (or --codes) writes the column and state codes, for "
            "scripts; JSON always carries the codes.")

    def add_arguments(self, parser):
        parser.add_argument("--platform", required=True, help="platform slug")
        parser.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD",
                            help="first local day of the due dates (included)")
        parser.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD",
                            help="last local day of the due dates (included)")
        parser.add_argument("--format", choices=["csv", "csv-codes", "json"], default="csv")
        parser.add_argument("--codes", action="store_true", help="CSV with column and state codes (--format csv-codes)")

    def handle(self, *args, platform, date_from, date_to, format, codes, **options):
        # The dates are read here, not by the parser, so a bad one is refused in --language's words.
        date_from, date_to = _date(date_from), _date(date_to)
        try:
            p = Platform.objects.get(slug=platform)
        except Platform.DoesNotExist:
            raise CommandError(_("没有标识为 %(slug)s 的平台。") % {"slug": platform}) from None
        if date_from and date_to and date_from > date_to:
            raise CommandError(_("--from 的日期不能晚于 --to。"))
        rows = exports.occurrence_rows(exports.platform_occurrences(p, date_from, date_to))
        out = self.stdout._out  # the raw stream: OutputWrapper would add newlines to JSON chunks
        if format == "json":
            exports.write_json(rows, out)
            return
        exports.write_csv(rows, out, codes=codes or format == "csv-codes")
