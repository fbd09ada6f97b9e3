from datetime import datetime

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from obligations.management.spoken import SpokenCommand
from obligations.tasks import run_sweeps


class Command(SpokenCommand):
    help = "Run the sweeps once: materialize due occurrences, then mark overdue ones missed."

    def add_arguments(self, parser):
        parser.add_argument("--now", help="ISO 8601 instant to sweep at (default: the clock)")

    def handle(self, *args, now=None, **options):
        if now:
            try:
                at = datetime.fromisoformat(now)
            except ValueError:
                raise CommandError(_("--now 不是 ISO 8601 时刻:%(value)s") % {"value": now}) from None
            if timezone.is_naive(at):
                at = timezone.make_aware(at)
        else:
            at = timezone.now()
        result = run_sweeps(now=at)
        # Every step's figures, webhook attempts beside deliveries (a run of failed attempts is not "0").
        self.stdout.write(" ".join(f"{k}={v}" for k, v in result.items()) + f" at={at.isoformat()}")
