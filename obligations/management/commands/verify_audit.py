from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from obligations.errors import DomainError
from obligations.trust.audit import audit_verify
from obligations.trust.audit_head import audit_head, audit_reanchor, head_problem, last_reanchor, parse_head
from obligations.trust.check_log import CheckResult, check_keep
from obligations.trust.trail_states import trail_differences


class Command(BaseCommand):
    help = ("Verify the audit trail: every record's keyed hash, every link to the record before, the head against "
            "its anchor outside the database (a chain with records and no anchor is an error), a head someone kept "
            "(--head N:HASH), and each task's, case's and review's state against the state its records give. "
            "Prints OK with the head, or names what is broken and exits 1. Every result is kept for the "
            "audit-log page. --reanchor --reason anchors a chain whose anchor was lost, on record (and only that).")

    def add_arguments(self, parser):
        parser.add_argument("--head", action="append", default=[], metavar="N:HASH",
                            help="a head printed in a report, review or digest: the chain's N-th record must "
                                 "still have HASH")
        parser.add_argument("--reanchor", action="store_true",
                            help="anchor a chain whose anchor file was lost (writes an audit.reanchor record)")
        parser.add_argument("--reason", default="", help="why the chain is re-anchored (with --reanchor)")

    def handle(self, *args, head, reanchor, reason, **options):
        try:
            kept = [parse_head(text) for text in head]
            if reanchor:
                event = audit_reanchor(reason=reason, now=timezone.now())
                self.stdout.write(f"re-anchored at #{event.pk} (audit.reanchor): {reason.strip()}")
                return
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        check = audit_verify()
        differences = trail_differences()
        problems = [problem for k in kept if (problem := head_problem(k))]
        check_keep(CheckResult(at=timezone.now(), chain=check, differences=len(differences),
                               head_problem=" ".join(problems), by="verify_audit"))
        for difference in differences:
            self.stdout.write(str(difference))
        for problem in problems:
            self.stdout.write(problem)
        if not check.ok:
            raise CommandError(f"{check.describe()} [{check.reason}, #{check.broken_id}]")
        if differences or problems:
            raise CommandError(f"{len(differences)} row(s) differ from their audit trail; "
                               f"{len(problems)} kept head(s) no longer held")
        again = last_reanchor()
        when = timezone.localtime(again.at).isoformat(timespec="minutes") if again else ""  # local, with its offset
        note = f"; re-anchored at #{again.pk} on {when}: {again.data.get('reason')}" if again else ""
        self.stdout.write(f"OK {check.count} records, head #{check.head_id}, anchored at #{check.anchor_id}{note}; "
                          f"keep the head {audit_head()}")
