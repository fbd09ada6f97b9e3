"""Platforms and people: the overview across one's platforms, a new platform (the site
administrator's, with its first officer's invitation), and a platform's members and pending
invitations (its officer's and the site administrator's)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..errors import DomainError
from ..forms.people import InvitationForm, MemberNameForm, PlatformForm, RoleForm
from ..models import Invitation, Membership, Platform, Role
from ..oversight.overview import platform_directory, platform_overview
from ..trust import access
from ..trust.invitations import (
    INVITATION_DAYS,
    invitation_create,
    invitation_revoke,
    invited_addresses,
    pending_invitations,
    platform_create,
)
from ..trust.membership import (
    may_manage_members,
    membership_change_role,
    membership_describe,
    membership_remove,
    require_manage_members,
)
from .invitations import send_invitation


def _invitation_sent(request, invitation, token, text):
    """The same words whoever the address belongs to; a mail that could not go is said so."""
    if send_invitation(invitation, token, request.user):
        messages.success(request, text)
    else:
        messages.error(request, _("邀请已记录,但邀请邮件未能发出(邮件服务不可用)。请稍后撤销该邀请并重新邀请。"))


def _error_field(form, field, aliases=None):
    field = (aliases or {}).get(field, field)
    return field if field in form.fields else None


@require_GET
def overview(request):
    """Per platform of the user: overdue, due in seven days, open cases; the site
    administrator also sees every platform."""
    site_admin = access.is_site_admin(request.user)
    return render(request, "obligations/people/overview.html", {
        "rows": platform_overview(request.user, now=timezone.now()),
        "directory": platform_directory() if site_admin else None, "site_admin": site_admin,
    })


@require_http_methods(["GET", "POST"])
def platform_new(request):
    access.require_site_admin(request.user)
    form = PlatformForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            invitation, token = platform_create(
                name=d["name"], slug=d["slug"], timezone=d["timezone"], template=d["template"],
                officer_email=d["officer_email"], actor=request.user, now=timezone.now())
        except DomainError as exc:
            form.add_error(_error_field(form, exc.field, {"email": "officer_email"}), exc.message)
        else:
            _invitation_sent(request, invitation, token, _("平台“%(name)s”已创建;已向 %(email)s 发出合规负责人邀请。")
                             % {"name": invitation.platform.name, "email": invitation.email})
            return redirect("platform-members", slug=invitation.platform.slug)
    return render(request, "obligations/people/platform_new.html", {"form": form})


def _managed_platform(request, slug):
    platform = get_object_or_404(Platform, slug=slug)
    require_manage_members(request.user, platform)
    return platform


def _members_page(request, platform, *, invite_form=None):
    members = list(Membership.objects.filter(platform=platform).select_related("user").order_by("user__username"))
    invited = invited_addresses(platform, [m.user_id for m in members])  # never an account's own email
    for m in members:
        m.invited_email = invited.get(m.user_id, "")
    return render(request, "obligations/people/members.html", {
        "platform": platform,
        "members": [(m, RoleForm(initial={"role": m.role}, prefix=f"m{m.pk}"),
                     MemberNameForm(initial={"full_name": m.full_name, "post": m.post}, prefix=f"n{m.pk}"))
                    for m in members],
        "invitations": pending_invitations(platform, timezone.now()),
        "invite_form": invite_form or InvitationForm(prefix="invite"), "invitation_days": INVITATION_DAYS,
        "officers": sum(1 for m in members if m.role == Role.OFFICER),
    })


@require_GET
def platform_members(request, slug):
    return _members_page(request, _managed_platform(request, slug))


@require_POST
def member_invite(request, slug):
    platform = _managed_platform(request, slug)
    form = InvitationForm(request.POST, prefix="invite")
    if form.is_valid():
        d = form.cleaned_data
        try:
            invitation, token = invitation_create(platform=platform, email=d["email"], role=d["role"],
                                                  full_name=d["full_name"], post=d["post"], actor=request.user,
                                                  now=timezone.now())
        except DomainError as exc:
            form.add_error(_error_field(form, exc.field), exc.message)
        else:
            _invitation_sent(request, invitation, token, _("已向 %(email)s 发出邀请(%(role)s)。对方接受后即成为本平台成员。")
                             % {"email": invitation.email, "role": invitation.get_role_display()})
            return redirect("platform-members", slug=platform.slug)
    return _members_page(request, platform, invite_form=form)


@require_POST
def invitation_withdraw(request, slug, pk):
    platform = _managed_platform(request, slug)
    invitation = get_object_or_404(Invitation, pk=pk, platform=platform)
    try:
        invitation_revoke(invitation=invitation, actor=request.user, now=timezone.now())
        messages.success(request, _("已撤销发给 %(email)s 的邀请,其链接已失效。") % {"email": invitation.email})
    except DomainError as exc:
        messages.error(request, exc.message)
    return _after_change(request, platform)


def _member(request, slug, pk):
    platform = _managed_platform(request, slug)
    return get_object_or_404(Membership.objects.select_related("user", "platform"), pk=pk, platform=platform)


def _after_change(request, platform):
    """Back to the members page, or home for an officer who has just stepped down."""
    if may_manage_members(request.user, platform):
        return redirect("platform-members", slug=platform.slug)
    return redirect("home")


@require_POST
def member_role(request, slug, pk):
    m = _member(request, slug, pk)
    form = RoleForm(request.POST, prefix=f"m{m.pk}")
    try:
        if not form.is_valid():
            raise DomainError(_("请选择有效的角色。"))
        old = m.role
        m = membership_change_role(membership=m, role=form.cleaned_data["role"], actor=request.user,
                                   now=timezone.now())
        if m.role == old:
            messages.info(request, _("%(username)s 的角色未变。") % {"username": m.user.get_username()})
        else:
            messages.success(request, _("%(username)s 的角色已改为%(role)s。")
                             % {"username": m.user.get_username(), "role": m.get_role_display()})
    except DomainError as exc:
        messages.error(request, exc.message)
    return _after_change(request, m.platform)


@require_POST
def member_name(request, slug, pk):
    m = _member(request, slug, pk)
    form = MemberNameForm(request.POST, prefix=f"n{m.pk}")
    try:
        if not form.is_valid():
            raise DomainError(" ".join(e for errors in form.errors.values() for e in errors))
        m = membership_describe(membership=m, full_name=form.cleaned_data["full_name"], post=form.cleaned_data["post"],
                                actor=request.user, now=timezone.now())
        messages.success(request, _("%(username)s 的姓名与职务已保存。") % {"username": m.user.get_username()})
    except DomainError as exc:
        messages.error(request, exc.message)
    return _after_change(request, m.platform)


@require_POST
def member_remove(request, slug, pk):
    m = _member(request, slug, pk)
    try:
        membership_remove(membership=m, actor=request.user, now=timezone.now())
        messages.success(request, _("已将 %(username)s 移出本平台;其完成记录与审计记录保留。")
                         % {"username": m.user.get_username()})
    except DomainError as exc:
        messages.error(request, exc.message)
    return _after_change(request, m.platform)
