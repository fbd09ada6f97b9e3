"""Across a user's platforms: per platform, what is overdue, what falls due in the next
seven days and how many cases are open, each figure as the platform's dashboard counts it.

A fixed number of queries whatever the number of platforms: the user's roles, the
platforms, one grouped count of occurrences and one grouped count of cases.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Q

from ..models import Case, Occurrence, Platform, Role
from ..trust.access import roles_of

# The roles that read a platform's dashboard; staff work from their task list.
OVERSEERS = (Role.OFFICER, Role.SUPERVISOR, Role.AUDITOR)


@dataclass
class PlatformFigures:
    platform: Platform
    role: str
    overdue: int | None = None  # None: not the user's to oversee
    due_soon: int | None = None
    open_cases: int | None = None

    @property
    def oversees(self) -> bool:
        return self.role in OVERSEERS

    @property
    def role_label(self) -> str:
        return Role(self.role).label


def platform_overview(user, *, now, days=7) -> list[PlatformFigures]:
    """The user's platforms by name, with figures for those the user oversees."""
    roles = roles_of(user)
    overseen = [p for p, r in roles.items() if r in OVERSEERS]
    soon = now + timedelta(days=days)
    # Open or missed and due before the week is out: the past-due ones are overdue (as
    # dashboard.overdue), the open ones from now on are due soon (as dashboard.due_soon).
    occurrences = {
        row["platform_id"]: row
        for row in Occurrence.objects.filter(platform_id__in=overseen, state__in=Occurrence.TODO_STATES,
                                             due_at__lte=soon)
        .values("platform_id")
        .annotate(overdue=Count("id", filter=Q(due_at__lt=now)),
                  due_soon=Count("id", filter=Q(state=Occurrence.State.OPEN, due_at__gte=now)))
        .order_by()
    }
    cases = dict(Case.objects.filter(platform_id__in=overseen, state=Case.State.OPEN)
                 .values("platform_id").annotate(n=Count("id")).order_by().values_list("platform_id", "n"))
    rows = []
    for platform in Platform.objects.filter(pk__in=roles).order_by("name", "pk"):
        row = PlatformFigures(platform, roles[platform.pk])
        if row.oversees:
            figures = occurrences.get(platform.pk, {})
            row.overdue = figures.get("overdue", 0)
            row.due_soon = figures.get("due_soon", 0)
            row.open_cases = cases.get(platform.pk, 0)
        rows.append(row)
    return rows


def platform_directory():
    """Every platform with its member and officer counts, for the site administrator: one query."""
    return (Platform.objects.annotate(members=Count("memberships"),
                                      officers=Count("memberships", filter=Q(memberships__role=Role.OFFICER)))
            .order_by("name", "pk"))
