"""Naming who does an obligation. With nobody named, every member holding its
responsible role does it (see trust.access)."""

from django.db import transaction
from django.utils.translation import gettext as _

from ..errors import DomainError
from ..models import Membership, Obligation, Role
from ..trust.audit import audit_record

# Who may be named to do an obligation: anyone who does tasks, never a read-only auditor.
ASSIGNABLE_ROLES = (Role.OFFICER, Role.STAFF, Role.SUPERVISOR)


def assignable_members(platform):
    """The platform's members who may be named, as the obligations page offers them."""
    return (Membership.objects.filter(platform=platform, role__in=ASSIGNABLE_ROLES).select_related("user")
            .order_by("user__username"))


@transaction.atomic
def obligation_assign(*, obligation: Obligation, assignees, user, now) -> Obligation:
    """Name the obligation's assignees (an empty list names nobody); each must be a member."""
    assignees = list(assignees)
    roles = dict(Membership.objects.filter(platform_id=obligation.platform_id, user__in=assignees)
                 .values_list("user_id", "role"))
    if any(u.pk not in roles for u in assignees):
        raise DomainError(_("所选人员不是本平台成员。"), field="assignees")
    if any(role not in ASSIGNABLE_ROLES for role in roles.values()):
        raise DomainError(_("只读审计员不执行任务,不能指定为执行人。"), field="assignees")
    obligation.assignees.set(assignees)
    audit_record(at=now, action="obligation.assign", obj=obligation, actor=user, platform=obligation.platform,
                 data={"assignees": [u.get_username() for u in assignees]})
    return obligation
