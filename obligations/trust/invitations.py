"""Joining a platform: by invitation to an email address, accepted by the person who opens
its link.

An officer (or the site administrator) names an email address, a role and optionally the
full name and post the platform's documents will print. The inviter is told nothing about
the site's users: the answer is the same whether the address belongs to an account or not
(only the mail's language follows the account's), and only the mail's reader learns more. The link's token (256 random
bits) is kept only as its SHA-256; it works once, for INVITATION_DAYS, until revoked, and a
newer invitation to the same address on the same platform replaces the older one.

Whoever opens the link accepts it for themselves: signed in, for their own account; else
with a new account made there (username and password; its email is the invited address,
which the mail has just reached; the page lets a few registrations be tried an hour, as it
says when a username is taken). Officers and supervisors then enrol a second factor at
their first sign-in, as every officer does (second_factor.py).

A new platform is created together with its first officer's invitation (the site
administrator's page); it has no officer until that is accepted, and its members page is
the site administrator's meanwhile.

Audit records: platform.create, membership.invite, membership.invite_revoke (actor: who
manages the platform) and membership.accept (actor: the person who joined).
"""

import hashlib
import secrets
from datetime import timedelta
from zoneinfo import available_timezones

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..errors import DomainError
from ..models import Invitation, Membership, Platform, Role
from .access import is_site_admin
from .audit import audit_record
from .membership import check_role, forget_roles, lock_platform, refuse_unless_manager
from .preferences import language_of

INVITATION_DAYS = 7
INVITATIONS_PER_DAY = 50  # per platform: an officer's account cannot be made to mail the world


class InvitationRefused(DomainError):
    """A link that cannot be used (any longer): `reason` is unknown, used, revoked or expired."""

    def __init__(self, reason):
        messages = {
            "unknown": _("此邀请链接无效。请核对邮件中的链接是否完整,或请平台的合规负责人重新邀请。"),
            "used": _("此邀请已被接受过:邀请链接只能使用一次。如需再次加入,请联系平台的合规负责人重新邀请。"),
            "revoked": _("此邀请已被撤销。如需加入,请联系平台的合规负责人重新邀请。"),
            "expired": ngettext("此邀请已过期(邀请 %(days)d 天内有效)。请联系平台的合规负责人重新邀请。",
                                "此邀请已过期(邀请 %(days)d 天内有效)。请联系平台的合规负责人重新邀请。",
                                INVITATION_DAYS) % {"days": INVITATION_DAYS},
        }
        super().__init__(messages[reason])
        self.reason = reason


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _clean_email(email) -> str:
    email = get_user_model().objects.normalize_email((email or "").strip())
    try:
        validate_email(email)
    except ValidationError:
        raise DomainError(_("请输入有效的邮箱地址,例如 name@example.com。"), field="email") from None
    return email


def _accounts_with(email):
    User = get_user_model()
    return User._default_manager.filter(**{f"{User.get_email_field_name()}__iexact": email, "is_active": True})


def has_account(email) -> bool:
    """An active account holds this address. Only for the page the invitation's link opens:
    its reader owns the address."""
    return _accounts_with(email).exists()


def invitee_language(email) -> str:
    """The language to write the invitation in: that of the one account holding the address,
    else the site's default (never the inviter's)."""
    accounts = list(_accounts_with(email)[:2])
    return language_of(accounts[0] if len(accounts) == 1 else None)


def _issue(*, platform, email, role, full_name, post, actor, now) -> tuple[Invitation, str]:
    """A new invitation (the platform locked by the caller) and its token, which only the mail carries."""
    check_role(role)
    email = _clean_email(email)
    full_name, post = (full_name or "").strip(), (post or "").strip()
    sent = Invitation.objects.filter(platform=platform, created_at__gt=now - timedelta(days=1)).count()
    if sent >= INVITATIONS_PER_DAY:
        raise DomainError(_("本平台 24 小时内已发出 %(n)d 份邀请,已达上限,请明天再试。") % {"n": sent}, field="email")
    older = Invitation.objects.filter(platform=platform, email__iexact=email, accepted_at=None, revoked_at=None,
                                      expires_at__gt=now)
    replaced = sorted(older.values_list("pk", flat=True))
    older.update(revoked_at=now, revoked_by=actor)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        platform=platform, email=email, role=role, full_name=full_name, post=post, token_hash=token_hash(token),
        invited_by=actor, created_at=now, expires_at=now + timedelta(days=INVITATION_DAYS))
    audit_record(at=now, action="membership.invite", obj=invitation, actor=actor, platform=platform,
                 data={"email": email, "role": role, "full_name": full_name, "post": post, "replaces": replaced})
    return invitation, token


@transaction.atomic
def invitation_create(*, platform, email, role, full_name="", post="", actor, now) -> tuple[Invitation, str]:
    """Invite an email address to the platform with a role. Returns the invitation and the
    link's token; the caller mails it once this has committed."""
    platform = lock_platform(platform)
    refuse_unless_manager(actor, platform)
    return _issue(platform=platform, email=email, role=role, full_name=full_name, post=post, actor=actor, now=now)


@transaction.atomic
def invitation_revoke(*, invitation, actor, now) -> Invitation:
    """Withdraw a pending invitation: its link stops working."""
    platform = lock_platform(invitation.platform)
    refuse_unless_manager(actor, platform)
    current = Invitation.objects.select_for_update().filter(pk=invitation.pk, platform=platform).first()
    if current is None or not current.is_pending(now):
        raise DomainError(_("该邀请已被接受、撤销或已过期,无需撤销。"))
    current.revoked_at, current.revoked_by = now, actor
    current.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(at=now, action="membership.invite_revoke", obj=current, actor=actor, platform=platform,
                 data={"email": current.email, "role": current.role})
    return current


def pending_invitations(platform, now):
    return (Invitation.objects.filter(platform=platform, accepted_at=None, revoked_at=None, expires_at__gt=now)
            .select_related("invited_by").order_by("-created_at", "-pk"))


def invited_addresses(platform, user_ids) -> dict[int, str]:
    """{user id: the address they were invited at} of these members (the latest accepted): what
    the members page shows of them, the officer's own typing, never their account's email."""
    rows = (Invitation.objects.filter(platform=platform, accepted_by__in=list(user_ids)).order_by("accepted_at")
            .values_list("accepted_by", "email"))
    return dict(rows)


def _refusal(invitation, now) -> InvitationRefused | None:
    if invitation is None:
        return InvitationRefused("unknown")
    if invitation.accepted_at is not None:
        return InvitationRefused("used")
    if invitation.revoked_at is not None:
        return InvitationRefused("revoked")
    if now >= invitation.expires_at:
        return InvitationRefused("expired")
    return None


def invitation_for(token, now, *, lock=False) -> Invitation:
    """The pending invitation of a link's token; InvitationRefused says why not."""
    rows = Invitation.objects.select_related("platform", "invited_by")
    if lock:
        rows = rows.select_for_update(of=("self",))
    invitation = rows.filter(token_hash=token_hash(token or "")).first()
    refusal = _refusal(invitation, now)
    if refusal is not None:
        raise refusal
    return invitation


def _locked(token, now) -> Invitation:
    """The pending invitation, locked after its platform: every membership change takes the
    platform's lock first (membership.lock_platform), so a revocation and an acceptance of one
    invitation queue instead of deadlocking."""
    lock_platform(invitation_for(token, now).platform)
    return invitation_for(token, now, lock=True)


def _join(invitation, user, *, now, new_account) -> Membership:
    platform = invitation.platform
    existing = Membership.objects.filter(platform=platform, user=user).first()
    if existing is not None:
        raise DomainError(_("您已是平台“%(platform)s”的成员(%(role)s),无需接受此邀请。")
                          % {"platform": platform.name, "role": existing.get_role_display()})
    membership = Membership.objects.create(platform=platform, user=user, role=invitation.role,
                                           full_name=invitation.full_name, post=invitation.post)
    invitation.accepted_at, invitation.accepted_by = now, user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_record(at=now, action="membership.accept", obj=membership, actor=user, platform=platform,
                 data={"user": user.get_username(), "user_id": user.pk, "role": invitation.role,
                       "invitation": invitation.pk, "email": invitation.email,
                       "invited_by": invitation.invited_by_id, "new_account": new_account})
    forget_roles(user)
    return membership


@transaction.atomic
def invitation_accept(*, token, user, now) -> Membership:
    """The signed-in `user` accepts the invitation of this link: they join with its role."""
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied
    return _join(_locked(token, now), user, now=now, new_account=False)


@transaction.atomic
def invitation_accept_new_account(*, token, username, password, now) -> Membership:
    """A person without an account accepts: a new account (this username and password, the
    invited address as its email) joins with the invitation's role. The caller has checked the
    password against the validators."""
    invitation = _locked(token, now)
    if has_account(invitation.email):
        raise DomainError(_("此邮箱已有 Pledge 账号:请登录该账号后接受邀请(忘记密码可找回)。"))
    User = get_user_model()
    username = (username or "").strip()
    taken = _("用户名“%(username)s”已被使用,请换一个。") % {"username": username}
    if User._default_manager.filter(**{f"{User.USERNAME_FIELD}__iexact": username}).exists():
        raise DomainError(taken, field="username")
    try:
        with transaction.atomic():
            user = User._default_manager.create_user(**{User.USERNAME_FIELD: username,
                                                        User.get_email_field_name(): invitation.email},
                                                     password=password)
    except IntegrityError:  # taken a moment ago
        raise DomainError(taken, field="username") from None
    return _join(invitation, user, now=now, new_account=True)


@transaction.atomic
def platform_create(*, name, slug, timezone, template, officer_email, actor, now) -> tuple[Invitation, str]:
    """A new platform and the invitation of its first officer (an email address). Returns the
    invitation (its platform is the new one) and the link's token, for the caller to mail."""
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
    officer_email = _clean_email(officer_email)
    if Platform.objects.filter(slug__iexact=slug).exists():
        raise DomainError(_("标识“%(slug)s”已被其他平台使用,请换一个。") % {"slug": slug}, field="slug")
    try:
        with transaction.atomic():
            platform = Platform.objects.create(name=name, slug=slug, timezone=timezone, template=template)
    except IntegrityError:
        raise DomainError(_("标识“%(slug)s”已被其他平台使用,请换一个。") % {"slug": slug}, field="slug") from None
    audit_record(at=now, action="platform.create", obj=platform, actor=actor, platform=platform,
                 data={"name": name, "slug": slug, "timezone": timezone, "template": template,
                       "officer_email": officer_email})
    return _issue(platform=lock_platform(platform), email=officer_email, role=Role.OFFICER, full_name="", post="",
                  actor=actor, now=now)
