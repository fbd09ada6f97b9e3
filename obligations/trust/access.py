"""Who may see and do what. Every view goes through here.

Anything of a platform the user is not a member of is 404 (its existence is not
revealed); a member without the right role gets 403.
"""

from collections import defaultdict

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from ..models import Membership, Obligation, Occurrence, Role

READ_ROLES = {Role.OFFICER, Role.STAFF, Role.SUPERVISOR, Role.AUDITOR}
OVERSIGHT_ROLES = (Role.OFFICER, Role.SUPERVISOR, Role.AUDITOR)

# Who may open each page of a platform (by its URL name): the views refuse everyone else
# (require_page), and the navigation offers a page only to those who may open it
# (platform_pages, read by obligations/context.py), so no link leads to a 403.
PLATFORM_PAGES = {
    "dashboard": OVERSIGHT_ROLES,
    "occurrence-list": OVERSIGHT_ROLES,
    "review-list": OVERSIGHT_ROLES,
    "retention": OVERSIGHT_ROLES,
    "export-list": OVERSIGHT_ROLES,
    "letter-detail": tuple(READ_ROLES),
    "obligation-list": tuple(READ_ROLES),
    "audit-log": (Role.OFFICER, Role.AUDITOR),
    "platform-members": (Role.OFFICER,),  # and the site administrator (trust/membership.py)
    "platform-channels": (Role.OFFICER,),  # group robots (views/channels.py)
    "webhook-list": (Role.OFFICER,),  # and its delivery log (views/webhooks.py)
    "api-tokens": (Role.OFFICER,),  # a token acts as the officer who made it (trust/api_tokens.py)
}


def is_site_admin(user) -> bool:
    """A Django staff user holding the named permission (superusers hold every one)."""
    return user.is_active and user.is_staff and user.has_perm("obligations.administer_site")


def require_site_admin(user) -> None:
    if not is_site_admin(user):
        raise PermissionDenied


def roles_of(user) -> dict[int, str]:
    """platform id -> role, cached on the user object for the request."""
    if not hasattr(user, "_pledge_roles"):
        user._pledge_roles = dict(Membership.objects.filter(user=user).values_list("platform_id", "role"))
    return user._pledge_roles


def platform_pages(role) -> set[str]:
    """The pages of PLATFORM_PAGES a member holding `role` may open."""
    return {page for page, roles in PLATFORM_PAGES.items() if role in roles}


def require_page(user, platform_id, page) -> str:
    """404 outside the platform, 403 for a role that may not open `page`; else the role."""
    return require_role(user, platform_id, *PLATFORM_PAGES[page])


def role_on(user, platform_id) -> str:
    role = roles_of(user).get(platform_id)
    if role is None:
        raise Http404
    return role


def require_role(user, platform_id, *roles) -> str:
    role = role_on(user, platform_id)
    if role not in roles:
        raise PermissionDenied
    return role


# Who does a task: the obligation's named assignees; when nobody is named, every member
# holding its responsible role on the platform. `assigned_to` says it in SQL for one user,
# `Doers` in Python for a batch of occurrences' doers, `completable` for what one user may
# complete; tests/trust/test_access.py holds them equal.

def assigned_to(user) -> Q:
    """Occurrences whose obligation is the user's (the rule above, for one user). Every
    part is limited to the user's platforms, the obligation joined and the assignees
    looked up alike: the planner then never reads other platforms' obligations, whatever
    their number (tests/test_query_plans.py)."""
    platforms = list(roles_of(user))
    assignees = Obligation.assignees.through.objects.filter(obligation_id=OuterRef("obligation_id"),
                                                            obligation__platform_id__in=platforms)
    unassigned = ~Exists(assignees)
    role_match = Q()
    for platform_id, role in roles_of(user).items():
        role_match |= Q(platform_id=platform_id, obligation__responsible_role=role)
    named = Exists(assignees.filter(user_id=user.pk))
    mine = Q(named) | (Q(unassigned) & role_match) if role_match else Q(named)
    return Q(obligation__platform_id__in=platforms) & mine


class Doers:
    """The rule above for a batch of occurrences (their obligations loaded), in two queries;
    `Doers.of_obligations` for a batch of obligations."""

    def __init__(self, occurrences, *, obligations=()):
        obligation_ids = {o.obligation_id for o in occurrences} | {ob.pk for ob in obligations}
        platform_ids = {o.platform_id for o in occurrences} | {ob.platform_id for ob in obligations}
        self.assignees = defaultdict(list)
        for ob_id, user_id in Obligation.assignees.through.objects.filter(
                obligation_id__in=obligation_ids).values_list("obligation_id", "user_id"):
            self.assignees[ob_id].append(user_id)
        self.members = defaultdict(list)
        for platform_id, role, user_id in Membership.objects.filter(platform_id__in=platform_ids).values_list(
                "platform_id", "role", "user_id"):
            self.members[(platform_id, role)].append(user_id)

    @classmethod
    def of_obligations(cls, obligations) -> "Doers":
        return cls((), obligations=obligations)

    def doers(self, occ) -> list[int]:
        return self.assignees.get(occ.obligation_id) or self.members[(occ.platform_id, occ.obligation.responsible_role)]

    def obligation_doers(self, ob) -> list[int]:
        """Who does an obligation's tasks (an obligation of the batch)."""
        return self.assignees.get(ob.pk) or self.members[(ob.platform_id, ob.responsible_role)]

    def role(self, occ, role) -> list[int]:
        """The members holding `role` on the occurrence's platform (whom escalations reach)."""
        return self.members[(occ.platform_id, role)]


def visible_occurrences(user):
    """Occurrences a user reads: all of their platforms'."""
    return Occurrence.objects.filter(platform_id__in=roles_of(user).keys())


def task_occurrences(user):
    """Occurrences on the user's task list: everything for an officer, the assigned ones
    for everyone else."""
    roles = roles_of(user)
    officer_of = [p for p, r in roles.items() if r == Role.OFFICER]
    others = [p for p, r in roles.items() if r != Role.OFFICER]
    if not others:
        return Occurrence.objects.filter(platform_id__in=officer_of)  # no join: the platform says it all
    # The obligation joined for the assignment rule, limited to the user's platforms in
    # both branches, so no plan reads other platforms' obligations.
    return Occurrence.objects.filter(
        Q(platform_id__in=officer_of) | (Q(platform_id__in=others) & assigned_to(user)),
        obligation__platform_id__in=list(roles),
    )


def occurrence_for(user, pk) -> Occurrence:
    """An occurrence the user may read, or 404."""
    try:
        occ = Occurrence.objects.select_related("obligation", "clause", "platform").get(pk=pk)
    except Occurrence.DoesNotExist:
        raise Http404 from None
    role_on(user, occ.platform_id)
    return occ


def completable(user, occurrences) -> set[int]:
    """The rule above for loaded occurrences (their obligations loaded), in at most one query:
    the ids of those the user may complete. The officer completes anything on the platform; an
    auditor nothing; anyone else what the obligation names them for, or what their role is
    responsible for when it names nobody."""
    roles = roles_of(user)
    doers = [o for o in occurrences if roles.get(o.platform_id) not in (None, Role.AUDITOR, Role.OFFICER)]
    named = defaultdict(set)
    if doers:
        for ob_id, user_id in Obligation.assignees.through.objects.filter(
                obligation_id__in={o.obligation_id for o in doers}).values_list("obligation_id", "user_id"):
            named[ob_id].add(user_id)
    return {o.pk for o in occurrences if roles.get(o.platform_id) == Role.OFFICER} | {
        o.pk for o in doers if (user.pk in named[o.obligation_id] if named[o.obligation_id]
                                else o.obligation.responsible_role == roles[o.platform_id])}


def can_complete(user, occ: Occurrence) -> bool:
    return occ.pk in completable(user, [occ])


def require_complete(user, occ: Occurrence) -> None:
    role_on(user, occ.platform_id)
    if not can_complete(user, occ):
        raise PermissionDenied
