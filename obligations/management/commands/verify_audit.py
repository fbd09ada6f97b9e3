from django.core.management.base import BaseCommand, CommandError

from obligations.trust.audit import audit_verify


class Command(BaseCommand):
    help = ("Verify the audit trail: every record's keyed hash, every link to the record before, and the head "
            "against its anchor outside the database. Prints OK with the count, or names the first broken link "
            "and exits 1.")

    def handle(self, *args, **options):
        check = audit_verify()
        if not check.ok:
            raise CommandError(f"{check.describe()} [{check.reason}, #{check.broken_id}]")
        anchor = f"anchored at #{check.anchor_id}" if check.anchored else "no anchor yet"
        self.stdout.write(f"OK {check.count} records, head #{check.head_id}, {anchor}")
