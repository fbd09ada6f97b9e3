"""Platforms and the people on them.

People join a platform only by invitation to an email address, accepted by whoever opens
its link (trust/invitations.py, which also creates a platform with its first officer's
invitation): no one is put on a platform without their consent, and no officer looks up
the users of the site. Here the platform's officer (or the site administrator) changes
roles, keeps names and posts, and removes members. Clause 四.2 requires the platform to
name an officer, so the last one is neither removed nor demoted. A removed member keeps
their history (completions, evidence, audit records): only the Membership row goes, and
with it their name on the platform's obligations, so that who does those tasks falls back
to the role rule (see access.py) instead of to someone who can no longer see them.

A member's full name and post (职务) on the platform are what the documents they sign print.

Every change writes an audit record (membership.role, membership.name, membership.remove;
invitations.py: platform.create, membership.invite, membership.invite_revoke,
membership.accept) with its actor and platform.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from ..errors import DomainError
from ..models import Membership, Obligation, Platform, Role
from .access import is_site_admin, require_page
from .audit import audit_record


def may_manage_members(user, platform) -> bool:
    """The site administrator, or an officer of the platform (read fresh, not from a cache)."""
    if not user.is_authenticated:
        return False
    return is_site_admin(user) or Membership.objects.filter(user=user, platform=platform, role=Role.OFFICER).exists()


def require_manage_members(user, platform) -> None:
    """For views: the site administrator passes; otherwise 404 outside the platform, 403 for
    a member who is not its officer."""
    if not is_site_admin(user):
        require_page(user, platform.pk, "platform-members")


def refuse_unless_manager(actor, platform) -> None:
    if actor is None or not may_manage_members(actor, platform):
        raise PermissionDenied


def check_role(role) -> None:
    if role not in Role.values:
        raise DomainError(_("请选择有效的角色。"), field="role")


def forget_roles(*users) -> None:
    """Drop the per-request role cache of access.roles_of on the user objects at hand."""
    for user in users:
        if user is not None and hasattr(user, "_pledge_roles"):
            del user._pledge_roles


def _cached_user(membership):
    return membership.user if Membership.user.is_cached(membership) else None


def lock_platform(platform) -> Platform:
    """Membership changes of one platform run one at a time, each deciding (who may, is
    this the last officer) only once it holds the lock. A no-key lock: rows that merely
    point to the platform (a check-off's evidence) are still written meanwhile."""
    return Platform.objects.select_for_update(no_key=True).get(pk=platform.pk)


def _current(membership, platform) -> Membership:
    current = (Membership.objects.select_for_update(of=("self",)).select_related("user")
               .filter(pk=membership.pk, platform=platform).first())
    if current is None:
        raise DomainError(_("该成员已不在本平台。"))
    return current


def _is_last_officer(current) -> bool:
    return (current.role == Role.OFFICER
            and not Membership.objects.filter(platform_id=current.platform_id, role=Role.OFFICER)
            .exclude(pk=current.pk).exists())


def _quorum_within_group(platform, *, actor, now) -> None:
    """A supervisory group that shrank below the signatures its reviews need could never close
    one: the quorum comes down to the group's size, on record (review.quorum). `platform` is locked."""
    size = Membership.objects.filter(platform=platform, role=Role.SUPERVISOR).count()
    if platform.review_quorum is None or platform.review_quorum <= size:
        return
    audit_record(at=now, action="review.quorum", obj=platform, actor=actor, platform=platform,
                 data={"from": platform.review_quorum, "to": size or None, "group": size})
    platform.review_quorum = size or None
    platform.save(update_fields=["review_quorum"])


@transaction.atomic
def membership_change_role(*, membership, role, actor, now) -> Membership:
    """Give a member another role; the platform's last officer keeps theirs."""
    check_role(role)
    platform = lock_platform(membership.platform)
    refuse_unless_manager(actor, platform)
    current = _current(membership, platform)
    if current.role == role:
        return current
    if _is_last_officer(current):
        raise DomainError(_("不能更改“%(username)s”的角色:其是本平台唯一的合规负责人,承诺书条款四.2要求平台"
                            "指定合规负责人。请先将另一位成员设为合规负责人。")
                          % {"username": current.user.get_username()}, field="role")
    old = current.role
    current.role = role
    current.save(update_fields=["role"])
    audit_record(at=now, action="membership.role", obj=current, actor=actor, platform=platform,
                 data={"user": current.user.get_username(), "user_id": current.user_id, "from": old, "to": role})
    _quorum_within_group(platform, actor=actor, now=now)
    forget_roles(actor, _cached_user(membership))
    return current


def member_titles(platform_id, user_ids) -> dict[int, dict]:
    """{user id: {"name": full name (else the username), "post": post}} of these members. One query."""
    rows = Membership.objects.filter(platform_id=platform_id, user_id__in=set(user_ids)).select_related("user")
    return {m.user_id: {"name": m.display_name, "post": m.post} for m in rows}


def member_names(platform_id) -> dict[int, str]:
    """{user id: full name} of the platform's members who were given one: how pages, exports
    and reports name a person on this platform (else by username). One query."""
    return dict(Membership.objects.filter(platform_id=platform_id).exclude(full_name="")
                .values_list("user_id", "full_name"))


def person_name(platform_id, user) -> str:
    """How a message or a page names one person on a platform: their full name there, else
    their username (as member_names, for one person). One query."""
    name = Membership.objects.filter(platform_id=platform_id, user=user).values_list("full_name", flat=True).first()
    return name or user.get_username()


@transaction.atomic
def membership_describe(*, membership, full_name: str, post: str, actor, now) -> Membership:
    """Set how the platform's records name a member: full name and post."""
    platform = lock_platform(membership.platform)
    refuse_unless_manager(actor, platform)
    current = _current(membership, platform)
    full_name, post = full_name.strip(), post.strip()
    if (current.full_name, current.post) == (full_name, post):
        return current
    audit_record(at=now, action="membership.name", obj=current, actor=actor, platform=platform,
                 data={"user": current.user.get_username(), "user_id": current.user_id,
                       "from": [current.full_name, current.post], "to": [full_name, post]})
    current.full_name, current.post = full_name, post
    current.save(update_fields=["full_name", "post"])
    return current


@transaction.atomic
def membership_remove(*, membership, actor, now) -> None:
    """Take a member off the platform. Their completions, evidence and audit records stay;
    the obligations that named them fall back to their responsible role."""
    platform = lock_platform(membership.platform)
    refuse_unless_manager(actor, platform)
    current = _current(membership, platform)
    if _is_last_officer(current):
        raise DomainError(_("不能移除“%(username)s”:其是本平台唯一的合规负责人,承诺书条款四.2要求平台"
                            "指定合规负责人。请先将另一位成员设为合规负责人。")
                          % {"username": current.user.get_username()})
    named = Obligation.assignees.through.objects.filter(obligation__platform=platform, user_id=current.user_id)
    unassigned = sorted(set(named.values_list("obligation__key", flat=True)))
    audit_record(at=now, action="membership.remove", obj=current, actor=actor, platform=platform,
                 data={"user": current.user.get_username(), "user_id": current.user_id, "role": current.role,
                       "unassigned": unassigned})
    named.delete()
    current.delete()
    _quorum_within_group(platform, actor=actor, now=now)
    forget_roles(actor, _cached_user(membership))
