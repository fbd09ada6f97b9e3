"""Platforms and people: the overview across one's platforms, a new platform (the site
administrator's), and a platform's members (its officer's and the site administrator's)."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..errors import DomainError
from ..forms.people import InvitationMail, MemberAddForm, MemberInviteForm, MemberNameForm, PlatformForm, RoleForm
from ..models import Membership, Platform, Role
from ..oversight.overview import platform_directory, platform_overview
from ..trust import access
from ..trust.membership import (
    may_manage_members,
    membership_add,
    membership_change_role,
    membership_describe,
    membership_invite,
    membership_remove,
    platform_create,
    require_manage_members,
)


def _send_invitation(request, membership):
    """Django's password-reset email as the invitation: its link sets the first password."""
    mail = InvitationMail(membership.user)
    if mail.is_valid():
        mail.save(request=request, use_https=request.is_secure(), extra_email_context={
            "invitation": True, "platform": membership.platform, "role": Role(membership.role).label,  # lazy: worded in the invitee's language
            "inviter": request.user, "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        })


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
            officer = platform_create(
                name=d["name"], slug=d["slug"], timezone=d["timezone"], template=d["template"],
                officer_username=d["officer_username"], officer_email=d["officer_email"],
                actor=request.user, now=timezone.now())
        except DomainError as exc:
            form.add_error(_error_field(form, exc.field, {"username": "officer_username", "email": "officer_email"}),
                           exc.message)
        else:
            if d["officer_email"]:
                _send_invitation(request, officer)
                messages.success(request, _("平台“%(name)s”已创建;已向 %(email)s 发出合规负责人邀请。")
                                 % {"name": officer.platform.name, "email": d["officer_email"]})
            else:
                messages.success(request, _("平台“%(name)s”已创建,合规负责人:%(username)s。")
                                 % {"name": officer.platform.name, "username": d["officer_username"]})
            return redirect("platform-members", slug=officer.platform.slug)
    return render(request, "obligations/people/platform_new.html", {"form": form})


def _managed_platform(request, slug):
    platform = get_object_or_404(Platform, slug=slug)
    require_manage_members(request.user, platform)
    return platform


def _members_page(request, platform, *, add_form=None, invite_form=None):
    members = Membership.objects.filter(platform=platform).select_related("user").order_by("user__username")
    return render(request, "obligations/people/members.html", {
        "platform": platform,
        "members": [(m, RoleForm(initial={"role": m.role}, prefix=f"m{m.pk}"),
                     MemberNameForm(initial={"full_name": m.full_name, "post": m.post}, prefix=f"n{m.pk}"))
                    for m in members],
        "add_form": add_form or MemberAddForm(prefix="add"),
        "invite_form": invite_form or MemberInviteForm(prefix="invite"),
        "officers": sum(1 for m in members if m.role == Role.OFFICER),
    })


@require_GET
def platform_members(request, slug):
    return _members_page(request, _managed_platform(request, slug))


@require_POST
def member_add(request, slug):
    platform = _managed_platform(request, slug)
    form = MemberAddForm(request.POST, prefix="add")
    if form.is_valid():
        d = form.cleaned_data
        try:
            m = membership_add(platform=platform, username=d["username"], role=d["role"], actor=request.user,
                               now=timezone.now())
            messages.success(request, _("已添加 %(username)s(%(role)s)。")
                             % {"username": m.user.get_username(), "role": m.get_role_display()})
            return redirect("platform-members", slug=platform.slug)
        except DomainError as exc:
            form.add_error(_error_field(form, exc.field), exc.message)
    return _members_page(request, platform, add_form=form)


@require_POST
def member_invite(request, slug):
    platform = _managed_platform(request, slug)
    form = MemberInviteForm(request.POST, prefix="invite")
    if form.is_valid():
        d = form.cleaned_data
        try:
            m = membership_invite(platform=platform, username=d["username"], email=d["email"], role=d["role"],
                                  actor=request.user, now=timezone.now())
        except DomainError as exc:
            form.add_error(_error_field(form, exc.field), exc.message)
        else:
            _send_invitation(request, m)
            messages.success(request, _("已邀请 %(username)s(%(role)s),邀请邮件已发往 %(email)s。")
                             % {"username": m.user.get_username(), "role": m.get_role_display(), "email": d["email"]})
            return redirect("platform-members", slug=platform.slug)
    return _members_page(request, platform, invite_form=form)


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
