"""An invitation's mail, and the page its link opens: the signed-in reader accepts for their
own account, a reader without one makes one there (trust/invitations.py holds the rules)."""

import logging
import smtplib
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.mail import send_mail
from django.shortcuts import redirect, render, resolve_url
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from ..errors import DomainError
from ..forms.people import AccountForm
from ..links import absolute_url
from ..models import Role
from ..schedule.local_time import zoned
from ..signin_middleware import PAGES as SECOND_FACTOR_PAGES
from ..trust import ratelimit, second_factor
from ..trust.invitations import (
    INVITATION_DAYS,
    InvitationRefused,
    has_account,
    invitation_accept,
    invitation_accept_new_account,
    invitation_for,
    invitee_language,
)

log = logging.getLogger(__name__)
# Registrations tried on one invitation's page per client address and hour: a name already taken
# is said there, so an officer inviting an address of their own cannot try the site's usernames.
REGISTRATIONS_PER_HOUR = 10


def send_invitation(invitation, token, inviter) -> bool:
    """Mail the invitation's link to its address, in the invitee's language; False (and a log
    line) when the mail could not be handed over, for the page to say so."""
    with translation.override(invitee_language(invitation.email)):
        context = {"platform": invitation.platform, "role": Role(invitation.role).label, "email": invitation.email,
                   "inviter": inviter.get_username(), "link": absolute_url("invitation", token),
                   "days": INVITATION_DAYS, "expires": zoned(invitation.expires_at, invitation.platform.tz)}
        subject = render_to_string("obligations/people/invitation_subject.txt", context).strip()
        body = render_to_string("obligations/people/invitation_email.txt", context)
    try:
        send_mail(subject, body, None, [invitation.email])
    except (smtplib.SMTPException, OSError):
        log.exception("invitation %s: the mail could not be sent", invitation.pk)
        return False
    return True


def _page(request, invitation, *, form=None, error=None, status=200):
    user = request.user
    return render(request, "obligations/people/invitation.html", {
        "invitation": invitation, "error": error,
        "has_account": not user.is_authenticated and has_account(invitation.email),
        "form": form or AccountForm(prefix="account", email=invitation.email),
        "login_url": resolve_url(settings.LOGIN_URL) + "?" + urlencode({"next": request.path}),
    }, status=status)


@login_not_required  # the link is the credential of a reader who may have no account yet
@never_cache
@sensitive_post_parameters("account-password1", "account-password2")
@require_http_methods(["GET", "POST"])
def invitation_page(request, token):
    now = timezone.now()
    try:
        invitation = invitation_for(token, now)
    except InvitationRefused as exc:
        return render(request, "obligations/people/invitation.html", {"refused": exc.message},
                      status=404 if exc.reason == "unknown" else 410)
    user = request.user
    owed = second_factor.pending(user)  # a signed-in reader proves the second factor first, as on any page
    if owed is not None:
        return redirect(resolve_url(SECOND_FACTOR_PAGES[owed]) + "?" + urlencode({"next": request.path}))
    if request.method == "GET":
        return _page(request, invitation)
    form = None
    try:
        if user.is_authenticated:
            membership = invitation_accept(token=token, user=user, now=now)
            messages.success(request, _("您已加入平台“%(platform)s”,角色:%(role)s。")
                             % {"platform": membership.platform.name, "role": membership.get_role_display()})
            return redirect("home")
        form = AccountForm(request.POST, prefix="account", email=invitation.email)
        scope = f"invitation-register:{invitation.token_hash[:32]}"
        if not ratelimit.allow(scope, request, limit=REGISTRATIONS_PER_HOUR, window=3600):
            return _page(request, invitation, form=form, error=_("提交过于频繁,请稍后再试。"), status=429)
        if not form.is_valid():
            return _page(request, invitation, form=form)
        membership = invitation_accept_new_account(token=token, username=form.cleaned_data["username"],
                                                   password=form.cleaned_data["password1"], now=now)
    except InvitationRefused as exc:  # used, revoked or expired since the page was opened
        return render(request, "obligations/people/invitation.html", {"refused": exc.message}, status=410)
    except DomainError as exc:
        if form is not None and exc.field == "username":
            form.add_error("username", exc.message)
            return _page(request, invitation, form=form)
        return _page(request, invitation, error=exc.message)
    messages.success(request, _("账号 %(username)s 已创建,并已加入平台“%(platform)s”(%(role)s)。请登录。")
                     % {"username": membership.user.get_username(), "platform": membership.platform.name,
                        "role": membership.get_role_display()})
    return redirect(settings.LOGIN_URL)
