"""Platforms and the people on them.

The site administrator creates a platform together with its first officer. The platform's
officer (or the site administrator) adds existing users, invites new ones, changes roles
and removes members. Clause 四.2 requires the platform to name an officer, so the last
one is neither removed nor demoted. A removed member keeps their history (completions,
evidence, audit records): only the Membership row goes, and with it their name on the
platform's obligations, so that who does those tasks falls back to the role rule (see
access.py) instead of to someone who can no longer see them.

A member's full name and post (职务) on the platform are what the documents they sign print.

Every change writes an audit record (platform.create, membership.add, membership.invite,
membership.role, membership.name, membership.remove) with its actor and platform.
"""

from zoneinfo import available_timezones

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
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


def _refuse_unless_manager(actor, platform) -> None:
    if actor is None or not may_manage_members(actor, platform):
        raise PermissionDenied


def _check_role(role) -> None:
    if role not in Role.values:
        raise DomainError(_("请选择有效的角色。"), field="role")


def _forget_roles(*users) -> None:
    """Drop the per-request role cache of access.roles_of on the user objects at hand."""
    for user in users:
        if user is not None and hasattr(user, "_pledge_roles"):
            del user._pledge_roles


def _cached_user(membership):
    return membership.user if Membership.user.is_cached(membership) else None


def _create_membership(platform, user, role) -> Membership:
    try:
        with transaction.atomic():
            return Membership.objects.create(platform=platform, user=user, role=role)
    except IntegrityError:  # added by someone else a moment ago
        raise DomainError(_("“%(username)s”已是本平台成员。") % {"username": user.get_username()},
                          field="username") from None


def _add(*, platform, username, role, actor, now) -> Membership:
    User = get_user_model()
    username = (username or "").strip()
    user = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()
    if user is None:
        raise DomainError(_("没有用户名为“%(username)s”的用户。要邀请新用户,请填写用户名和邮箱发送邀请。")
                          % {"username": username}, field="username")
    if not user.is_active:
        raise DomainError(_("用户“%(username)s”已停用,不能加入平台。") % {"username": username}, field="username")
    existing = Membership.objects.filter(platform=platform, user=user).first()
    if existing is not None:
        raise DomainError(_("“%(username)s”已是本平台成员(%(role)s);如需调整,请修改其角色。")
                          % {"username": username, "role": existing.get_role_display()}, field="username")
    membership = _create_membership(platform, user, role)
    audit_record(at=now, action="membership.add", obj=membership, actor=actor, platform=platform,
                 data={"user": username, "user_id": user.pk, "role": role})
    return membership


def _invite(*, platform, username, email, role, actor, now) -> Membership:
    User = get_user_model()
    username, email = (username or "").strip(), (email or "").strip()
    if not username:
        raise DomainError(_("请填写用户名。"), field="username")
    if not email:
        raise DomainError(_("邀请新用户需要填写邮箱:邀请邮件里有设置密码的链接。"), field="email")
    if User._default_manager.filter(**{f"{User.USERNAME_FIELD}__iexact": username}).exists():
        raise DomainError(_("用户名“%(username)s”已被使用;如果就是这位用户,请用“添加现有用户”。")
                          % {"username": username}, field="username")
    if User._default_manager.filter(**{f"{User.get_email_field_name()}__iexact": email}).exists():
        raise DomainError(_("邮箱 %(email)s 已属于另一位用户;如果就是这位用户,请按用户名添加。")
                          % {"email": email}, field="email")
    try:
        with transaction.atomic():
            user = User._default_manager.create_user(**{User.USERNAME_FIELD: username, "email": email})
    except IntegrityError:
        raise DomainError(_("用户名“%(username)s”已被使用;如果就是这位用户,请用“添加现有用户”。")
                          % {"username": username}, field="username") from None
    user.set_unusable_password()  # they set their own through the invitation's link
    user.save(update_fields=["password"])
    membership = _create_membership(platform, user, role)
    audit_record(at=now, action="membership.invite", obj=membership, actor=actor, platform=platform,
                 data={"user": username, "user_id": user.pk, "email": email, "role": role})
    return membership


@transaction.atomic
def platform_create(*, name, slug, timezone, template, officer_username, officer_email="", actor, now) -> Membership:
    """A new platform and its first officer: an existing user (no email given) or a new
    user invited by email. Returns the officer's membership (its platform is the new one)."""
    if actor is None or not is_site_admin(actor):
        raise PermissionDenied
    name, slug, timezone = (name or "").strip(), (slug or "").strip(), (timezone or "").strip()
    if not name:
        raise DomainError(_("请填写平台名称。"), field="name")
    if not slug:
        raise DomainError(_("请填写标识。"), field="slug")
    if timezone not in available_timezones():
        raise DomainError(_("未知的时区“%(tz)s”,请从列表中选择,例如 Asia/Shanghai。") % {"tz": timezone},
                          field="timezone")
    if not template:
        raise DomainError(_("请选择承诺书模板。"), field="template")
    if Platform.objects.filter(slug__iexact=slug).exists():
        raise DomainError(_("标识“%(slug)s”已被其他平台使用,请换一个。") % {"slug": slug}, field="slug")
    try:
        with transaction.atomic():
            platform = Platform.objects.create(name=name, slug=slug, timezone=timezone, template=template)
    except IntegrityError:
        raise DomainError(_("标识“%(slug)s”已被其他平台使用,请换一个。") % {"slug": slug}, field="slug") from None
    audit_record(at=now, action="platform.create", obj=platform, actor=actor, platform=platform,
                 data={"name": name, "slug": slug, "timezone": timezone, "template": template,
                       "officer": (officer_username or "").strip()})
    if (officer_email or "").strip():
        return _invite(platform=platform, username=officer_username, email=officer_email, role=Role.OFFICER,
                       actor=actor, now=now)
    return _add(platform=platform, username=officer_username, role=Role.OFFICER, actor=actor, now=now)


def _lock(platform) -> Platform:
    """Membership changes of one platform run one at a time, each deciding (who may, is
    this the last officer) only once it holds the lock. A no-key lock: rows that merely
    point to the platform (a check-off's evidence) are still written meanwhile."""
    return Platform.objects.select_for_update(no_key=True).get(pk=platform.pk)


@transaction.atomic
def membership_add(*, platform, username, role, actor, now) -> Membership:
    """An existing, active user joins the platform with a role."""
    _check_role(role)
    platform = _lock(platform)
    _refuse_unless_manager(actor, platform)
    return _add(platform=platform, username=username, role=role, actor=actor, now=now)


@transaction.atomic
def membership_invite(*, platform, username, email, role, actor, now) -> Membership:
    """A new user, with no usable password yet, joins the platform with a role. The caller
    sends the invitation (Django's password-reset email) once this has committed."""
    _check_role(role)
    platform = _lock(platform)
    _refuse_unless_manager(actor, platform)
    return _invite(platform=platform, username=username, email=email, role=role, actor=actor, now=now)


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


@transaction.atomic
def membership_change_role(*, membership, role, actor, now) -> Membership:
    """Give a member another role; the platform's last officer keeps theirs."""
    _check_role(role)
    platform = _lock(membership.platform)
    _refuse_unless_manager(actor, platform)
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
    _forget_roles(actor, _cached_user(membership))
    return current


def member_titles(platform_id, user_ids) -> dict[int, dict]:
    """{user id: {"name": full name (else the username), "post": post}} of these members. One query."""
    rows = Membership.objects.filter(platform_id=platform_id, user_id__in=set(user_ids)).select_related("user")
    return {m.user_id: {"name": m.display_name, "post": m.post} for m in rows}


@transaction.atomic
def membership_describe(*, membership, full_name: str, post: str, actor, now) -> Membership:
    """Set how the platform's records name a member: full name and post."""
    platform = _lock(membership.platform)
    _refuse_unless_manager(actor, platform)
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
    platform = _lock(membership.platform)
    _refuse_unless_manager(actor, platform)
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
    _forget_roles(actor, _cached_user(membership))
