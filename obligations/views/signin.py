"""Signing in beyond the password: the lockout page, a password reset that counts its
mails, and the second factor's pages — enrol an authenticator app (its secret and QR
code, confirmed by a code, then ten recovery codes shown once), enter a code, and the
overview with new recovery codes. The rules are in trust/lockout.py and
trust/second_factor.py; SecondFactorMiddleware sends a session that owes a code here."""

import math
import re
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from ..errors import DomainError
from ..forms.signin import CodeForm, PasswordLinkMail
from ..trust import lockout, second_factor

CODES_KEY = "pledge_recovery_codes"  # the new recovery codes, until the page shows them once


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout answer (settings.AXES_LOCKOUT_CALLABLE), for the login page and
    the admin's: 429 saying what is refused, for how long, and whether a reset helps."""
    now = timezone.now()
    refusal = lockout.refusal_of(request)
    if refusal is None:  # axes counted the try that reached the limit
        name = (credentials or {}).get("username") or request.POST.get("username")
        refusal = lockout.refusal_for(lockout.client_ip(request), name, now=now)
    seconds = refusal.seconds(now) if refusal else None
    return render(request, "registration/locked_out.html", {
        "reason": refusal.reason if refusal else "", "seconds": seconds,
        "minutes": math.ceil(seconds / 60) if seconds else None, "admin": request.path.startswith("/admin/"),
        # A new password forgets the user name's failures; an address locked for many names stays locked.
        "reset_unlocks": refusal is not None and refusal.reason != lockout.ADDRESS,
    }, status=429)


class ThrottledPasswordResetForm(PasswordLinkMail):
    def get_users(self, email):
        return [u for u in super().get_users(email) if lockout.reset_mail_to_account_allowed(u)]


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, with its mails counted (trust/lockout.reset_mail_allowed)."""

    form_class = ThrottledPasswordResetForm

    def form_valid(self, form):
        try:
            lockout.reset_mail_allowed(self.request, form.cleaned_data["email"])
        except DomainError as exc:
            form.add_error(None, exc.message)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)


def _next(request, default="/"):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


def _with_next(name, request):
    return reverse(name) + "?" + urlencode({"next": _next(request)})


def qr_code(text: str) -> dict:
    """`text` as a QR code for an inline SVG (drawn here: no request leaves the page): its
    viewBox and path, which the template writes into an <svg> (escaped like any value)."""
    svg = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, border=2).to_string(encoding="unicode")
    return {"viewbox": re.search(r'viewBox="([^"]+)"', svg).group(1), "path": re.search(r'<path d="([^"]+)"', svg).group(1)}


@never_cache
@require_http_methods(["GET", "POST"])
def enrol(request):
    user = request.user
    if not second_factor.may_enrol(user):  # a password alone never replaces an app
        return redirect(_with_next("second-factor-verify", request))
    device = second_factor.enrolment_start(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = second_factor.enrolment_confirm(request, device, form.cleaned_data["code"])
        except DomainError as exc:
            form.add_error("code", exc.message)
        else:
            request.session[CODES_KEY] = codes
            messages.success(request, _("验证器已绑定。"))
            return redirect(_with_next("second-factor-codes", request))
    return render(request, "registration/second_factor_enrol.html", {
        "form": form, "secret": second_factor.secret_text(device), "qr": qr_code(device.config_url),
        "required": second_factor.must_use(user), "replacing": second_factor.has_second_factor(user),
        "next": _next(request, ""),
    })


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request):
    user = request.user
    owed = second_factor.pending(user)
    if owed == second_factor.ENROL:
        return redirect(_with_next("second-factor-enrol", request))
    if owed is None and (request.method == "GET" or not second_factor.has_second_factor(user)):
        return redirect(_next(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = second_factor.verify(request, form.cleaned_data["code"])
        except DomainError as exc:
            form.add_error("code", exc.message)
        else:
            if device.name == second_factor.RECOVERY_NAME:
                messages.warning(request, _("已使用一个恢复码,还剩 %(n)d 个。若手机已丢失,请重新绑定验证器。")
                                 % {"n": second_factor.recovery_codes_left(user)})
            return redirect(_next(request))
    return render(request, "registration/second_factor_verify.html", {"form": form, "next": _next(request, "")})


@never_cache
@require_GET
def overview(request):
    user = request.user
    return render(request, "registration/second_factor.html", {
        "enrolled": second_factor.has_second_factor(user), "required": second_factor.must_use(user),
        "codes_left": second_factor.recovery_codes_left(user),
    })


@never_cache
@require_http_methods(["GET", "POST"])
def codes(request):
    """GET shows the recovery codes just issued, once; POST issues new ones (a verified session)."""
    if request.method == "POST":
        if not (second_factor.has_second_factor(request.user) and second_factor.is_verified(request.user)):
            return redirect(_with_next("second-factor-verify", request))
        request.session[CODES_KEY] = second_factor.recovery_codes_renew(request.user)
        messages.success(request, _("已生成新的恢复码,之前的恢复码全部作废。"))
        return redirect(_with_next("second-factor-codes", request))
    return render(request, "registration/second_factor_codes.html", {
        "codes": request.session.pop(CODES_KEY, None), "next": _next(request, ""),
    })
