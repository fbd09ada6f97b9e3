from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from obligations.errors import DomainError
from obligations.schedule.official_calendar import (
    calendar_load_days,
    parse_calendar_lines,
)


class Command(BaseCommand):
    help = "Load official holidays and make-up working days from a file (lines: 2027-10-01 休 国庆节)."

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        try:
            days = parse_calendar_lines(Path(path).read_text(encoding="utf-8"))
        except (OSError, DomainError) as exc:
            raise CommandError(str(exc)) from exc
        changed = calendar_load_days(days=days, now=timezone.now())
        self.stdout.write(f"loaded={len(days)} recomputed={changed}")
