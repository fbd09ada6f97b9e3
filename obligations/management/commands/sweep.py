from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from obligations.tasks import run_sweeps


class Command(BaseCommand):
    help = "Run the sweeps once: materialize due occurrences, then mark overdue ones missed."

    def add_arguments(self, parser):
        parser.add_argument("--now", help="ISO 8601 instant to sweep at (default: the clock)")

    def handle(self, *args, now=None, **options):
        if now:
            try:
                at = datetime.fromisoformat(now)
            except ValueError:
                raise CommandError(f"--now: not an ISO 8601 instant: {now!r}") from None
            if timezone.is_naive(at):
                at = timezone.make_aware(at)
        else:
            at = timezone.now()
        result = run_sweeps(now=at)
        self.stdout.write(f"created={result['created']} missed={result['missed']} at={at.isoformat()}")
