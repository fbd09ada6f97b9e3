from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from obligations.errors import DomainError
from obligations.management.spoken import SpokenCommand
from obligations.trust.audit import audit_verify
from obligations.trust.audit_head import audit_head, audit_reanchor, head_problem, last_reanchor, parse_head
from obligations.trust.check_log import CheckResult, check_keep
from obligations.trust.trail_states import trail_differences


class Command(SpokenCommand):
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
                self.stdout.write(_("已在 #%(id)s 重新锚定(audit.reanchor):%(reason)s")
                                  % {"id": event.pk, "reason": reason.strip()})
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
            raise CommandError(_("%(rows)d 条记录的状态与其审计记录不符;%(heads)d 个保存的链头已不成立")
                               % {"rows": len(differences), "heads": len(problems)})
        again = last_reanchor()
        when = timezone.localtime(again.at).isoformat(timespec="minutes") if again else ""  # local, with its offset
        note = _(";曾于 %(when)s 在 #%(id)s 重新锚定:%(reason)s") % {
            "id": again.pk, "when": when, "reason": again.data.get("reason")} if again else ""
        self.stdout.write(_("完好:%(count)d 条记录,链头 #%(head)s,锚点 #%(anchor)s%(note)s;请保存链头 %(kept)s") % {
            "count": check.count, "head": check.head_id, "anchor": check.anchor_id, "note": note,
            "kept": audit_head()})
