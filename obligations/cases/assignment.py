"""Who handles a case (负责人): a member of its platform who may write there, an officer or staff;
never a supervisor, an auditor or someone off the platform.

A complaint from the public page has nobody to choose its handler: it opens with the one person
who does the clocks of its kind (the obligations' named assignees, else the members holding their
responsible role), when there is exactly one; otherwise it waits, 待分配 on the board, until an
officer assigns it on the case page. Every assignment is audited, written in the case's timeline
and told to the new handler (alerts/case_notices.assignment_notice)."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from ..alerts.case_notices import assignment_notice
from ..errors import DomainError
from ..models import Case, CaseEvent, Membership, Obligation, Occurrence, Role
from ..trust import access
from ..trust.audit import audit_record

HANDLER_ROLES = (Role.OFFICER, Role.STAFF)  # who may hold a case; an auditor never writes


def handlers(platform):
    """The members who may handle the platform's cases, by user name."""
    return get_user_model().objects.filter(memberships__platform=platform,
                                           memberships__role__in=HANDLER_ROLES).order_by("username")


def check_handler(platform, user) -> None:
    if access.roles_of(user).get(platform.pk) not in HANDLER_ROLES:
        raise DomainError(_("负责人须是本平台的合规负责人或执行人。"), field="assignee")


def default_handler(platform, kind):
    """The one person who does the clocks of a case of this kind, or None when several or nobody do."""
    obligations = list(Obligation.objects.filter(platform=platform, kind=Obligation.Kind.EVENT, trigger=kind,
                                                 ends_at__isnull=True))
    who = access.Doers.of_obligations(obligations)
    doers = {pk for ob in obligations for pk in who.obligation_doers(ob)}
    roles = dict(Membership.objects.filter(platform=platform, user_id__in=doers).values_list("user_id", "role"))
    able = [pk for pk in doers if roles.get(pk) in HANDLER_ROLES]
    return get_user_model().objects.get(pk=able[0]) if len(able) == 1 else None


def may_assign(case: Case, user) -> bool:
    """The platform's officer assigns its open cases."""
    return case.state == Case.State.OPEN and access.roles_of(user).get(case.platform_id) == Role.OFFICER


@transaction.atomic
def case_assign(*, case: Case, assignee, user, now) -> Case:
    """Make `assignee` the case's handler. Only the platform's officer assigns; a closed case keeps
    the handler it closed with; assigning the handler it has already changes nothing (a double click)."""
    case = Case.objects.select_for_update(of=("self",)).select_related("platform", "assignee").get(pk=case.pk)
    if access.roles_of(user).get(case.platform_id) != Role.OFFICER:
        raise PermissionDenied
    if not may_assign(case, user):
        raise DomainError(_("该案件已办结,不能再更改负责人。"))
    check_handler(case.platform, assignee)
    if case.assignee_id == assignee.pk:
        return case
    before = case.assignee
    case.assignee = assignee
    case.save(update_fields=["assignee"])
    names = (before.get_username() if before else None, assignee.get_username())
    CaseEvent.objects.create(case=case, at=now, actor=user, action="assigned", note=f"{names[0] or '—'} → {names[1]}")
    audit_record(at=now, action="case.assign", obj=case, actor=user, platform=case.platform,
                 data={"from": names[0], "to": names[1]})
    running = case.clocks.filter(state__in=Occurrence.TODO_STATES).select_related("obligation").order_by("due_at")
    assignment_notice(case, now=now, by=user, clocks=list(running))
    return case
