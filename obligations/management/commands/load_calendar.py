from pathlib import Path

from django.core.management.base import CommandError
from django.utils import timezone

from obligations.errors import DomainError
from obligations.management.spoken import SpokenCommand
from obligations.schedule.official_calendar import (
    calendar_load_days,
    parse_calendar_lines,
)


class Command(SpokenCommand):
    help = ("Load official holidays and make-up working days from a file (lines: 2027-10-01 休 国庆节). "
            "Each day overrides that day only; --complete YEAR says the file holds the whole of YEAR.")

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--complete", type=int, action="append", default=[], metavar="YEAR",
                            help="the file holds the whole official calendar of YEAR (repeatable); "
                                 "a year the built-in holiday data does not cover stays provisional without it")

    def handle(self, *args, path, complete, **options):
        try:
            days = parse_calendar_lines(Path(path).read_text(encoding="utf-8"))
            changed = calendar_load_days(days=days, complete_years=complete, now=timezone.now())
        except (OSError, DomainError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"loaded={len(days)} complete={','.join(map(str, sorted(set(complete))))} "
                          f"recomputed={changed}")
