from django.utils import timezone

from obligations.demo import DEMO_PASSWORD, DEMO_USERS, demo_setup
from obligations.management.spoken import SpokenCommand
from obligations.tasks import run_sweeps


class Command(SpokenCommand):
    help = "Create (or keep) the demo platform with the seed letter filled and signed. Idempotent."

    def handle(self, *args, **options):
        now = timezone.now()
        platform = demo_setup(now=now, lived=True)
        result = run_sweeps(now=now)
        self.stdout.write(f"platform={platform.slug} created={result['created']} missed={result['missed']}")
        self.stdout.write("logins: " + ", ".join(f"{u}/{DEMO_PASSWORD}" for u in DEMO_USERS))
