"""The second factor (the letter's 多因素验证, clause 三.1): who must prove one, and the
proof — a code of an authenticator app (TOTP, django-otp), or one of ten one-time
recovery codes when the phone is lost.

Officers and supervisors (on any platform) and users of the admin site must use it:
after their password they enrol an app, or enter its code, before any page works (the
middleware `obligations.signin_middleware.SecondFactorMiddleware` asks `pending`). Anyone
else may enrol; once enrolled, their sign-ins ask for a code too. A session is verified
when django-otp's `login` recorded the device that accepted a code in it.
"""

import re
from base64 import b32encode

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..errors import DomainError
from ..models import Role
from . import access

MUST_ROLES = (Role.OFFICER, Role.SUPERVISOR)
RECOVERY_CODES = 10
APP_NAME = "authenticator"
RECOVERY_NAME = "recovery"
ENROL, VERIFY = "enrol", "verify"


def must_use(user) -> bool:
    """Officers, supervisors and users of the admin site sign in with a second factor."""
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return any(role in MUST_ROLES for role in access.roles_of(user).values())  # cached for the request


def app_device(user, *, confirmed=True) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("-pk").first()


def has_second_factor(user) -> bool:
    """The user has an enrolled authenticator app (whose codes sign-in and signing ask for)."""
    return user.is_authenticated and TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def is_verified(user) -> bool:
    """This session proved a second factor (django-otp's middleware tells)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def pending(user) -> str | None:
    """What the session still owes before pages work: ENROL (must use one and has none),
    VERIFY (has one and has not entered a code), or None."""
    if not user.is_authenticated or is_verified(user):
        return None
    if has_second_factor(user):
        return VERIFY
    if must_use(user):
        return ENROL
    return None


def may_enrol(user) -> bool:
    """Enrolling a (new) app: only with no app yet, or in a session verified by the current
    one — a stolen password alone never replaces someone's app."""
    return user.is_authenticated and (not has_second_factor(user) or is_verified(user))


# Enrolment: an unconfirmed device is created (its secret shown as text and QR code),
# confirmed by one code of the app, and the recovery codes are issued with it.

def enrolment_start(user) -> TOTPDevice:
    """The user's unconfirmed app device (the same one until confirmed, so the QR code
    a page shows stays valid on reload)."""
    if not may_enrol(user):
        raise DomainError(_("请先用现有的验证器输入动态验证码,再绑定新的验证器。"))
    device = app_device(user, confirmed=False)
    return device or TOTPDevice.objects.create(user=user, name=APP_NAME, confirmed=False)


def secret_text(device: TOTPDevice) -> str:
    """The secret as an authenticator app takes it when typed in: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def enrolment_confirm(request, device: TOTPDevice, code: str) -> list[str]:
    """Confirm the app with one of its codes: it replaces any earlier app, the session is
    verified by it, and ten new recovery codes are returned (to be shown once)."""
    user = request.user
    if device.user_id != user.pk or device.confirmed or not may_enrol(user):
        raise DomainError(_("绑定已失效,请重新开始。"))
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        refused = _throttled(device)
        accepted = refused is None and device.verify_token(_digits(code))
        if accepted:
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = recovery_codes_renew(user)
    if not accepted:  # outside the block: the failed try stays counted (the device's throttle)
        raise DomainError(refused or _("动态验证码不正确,请输入验证器当前显示的 6 位数字。"), field="code")
    otp_login(request, device)
    return codes


# Recovery codes are kept as a keyed hash (HMAC-SHA256 with SECRET_KEY, cut to the 16
# characters django-otp's StaticToken holds), never as the code: the database and the admin
# never show one. A code is shown once, when issued; migration 0018 hashed the codes kept
# before. A code hashed under a key of SECRET_KEY_FALLBACKS still works after a key rotation.

def recovery_hash(code: str, secret=None) -> str:
    return salted_hmac("pledge.recovery-code", code, secret=secret, algorithm="sha256").hexdigest()[:16]


def _recovery_token(device: StaticDevice, code: str) -> str:
    """What the device keeps for `code`: its hash under the current key, or under an older
    key still accepted; the current key's hash when none is kept (a wrong code)."""
    hashes = [recovery_hash(code, key) for key in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS)]
    return device.token_set.filter(token__in=hashes).values_list("token", flat=True).first() or hashes[0]


@transaction.atomic
def recovery_codes_renew(user) -> list[str]:
    """Ten new one-time recovery codes, returned to be shown once; the earlier ones stop working."""
    device, _created = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_NAME,
                                                          defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=recovery_hash(c)) for c in codes])
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__name=RECOVERY_NAME, device__confirmed=True).count()


# Verifying: a six-digit code goes to the app device, anything else is tried as a recovery
# code. Each device throttles wrong codes itself (django-otp: waits of 1, 2, 4, … seconds);
# a code of the app is taken once (a later code must belong to a later 30-second step).

def _digits(code) -> str:
    return re.sub(r"\s+", "", str(code or ""))


def _recovery_form(code) -> str:
    return re.sub(r"[\s-]+", "", str(code or "")).lower()


def _throttled(device) -> str | None:
    allowed, data = device.verify_is_allowed()
    if allowed or not data or "locked_until" not in data:
        return None
    seconds = max(1, int((data["locked_until"] - timezone.now()).total_seconds() + 0.999))
    return _("错误次数过多,请 %(s)d 秒后再试。") % {"s": seconds}


def _check(device_model, user, name, code):
    """The user's confirmed device of a kind that accepts `code`, or a DomainError. Runs in
    its own transaction, so a wrong code is counted even when the caller's work is undone."""
    with transaction.atomic():
        device = (device_model.objects.select_for_update()
                  .filter(user=user, confirmed=True, **({"name": name} if name else {})).order_by("-pk").first())
        if device is None:
            return None, None
        refused = _throttled(device)  # asked too soon after wrong codes: not even tried
        if isinstance(device, StaticDevice):
            code = _recovery_token(device, code)
        if refused is None and device.verify_token(code):
            return device, None
    return None, refused


def verify(request, code: str):
    """Verify the session with a code of the user's app or a recovery code: returns the
    device that accepted it (recorded in the session), or raises a DomainError."""
    user = request.user
    digits = _digits(code)
    if re.fullmatch(r"\d{6}", digits):
        device, refused = _check(TOTPDevice, user, None, digits)
    else:
        device, refused = _check(StaticDevice, user, RECOVERY_NAME, _recovery_form(code))
    if device is None:
        raise DomainError(refused or _("动态验证码不正确。"), field="code")
    otp_login(request, device)
    return device


def code_accepted(user, code: str) -> bool:
    """The authenticator app's code asked again before a weighty act (a review signature):
    True when the user has no app, or when the code is right. Recovery codes don't count."""
    if not has_second_factor(user):
        return True
    digits = _digits(code)
    if not re.fullmatch(r"\d{6}", digits):
        return False
    device, _refused = _check(TOTPDevice, user, None, digits)
    return device is not None
