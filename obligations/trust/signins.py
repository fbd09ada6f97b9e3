"""Sign-ins, sign-outs, failed sign-ins and password changes go into the audit trail.

Receivers of django.contrib.auth's signals, connected in ObligationsConfig.ready():
auth.login and auth.logout, failed sign-ins counted per client address, name tried and
window (failed_signins.py writes one auth.login_failed per window, with the count; Django
has already masked the password), and auth.password_change whenever a user's password is
set on an existing account, by the user, through a reset link or in the admin — which
also lifts the lockouts of that user name (lockout.unlock). The address is the client's
as the lockout knows it (ratelimit.client_address: behind trusted proxies, from
X-Forwarded-For).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.utils import timezone

from . import lockout
from .audit import audit_record
from .failed_signins import failure_count, failures_audit
from .ratelimit import client_address


def _client(request) -> dict:
    if request is None:
        return {}
    return {"ip": client_address(request), "agent": request.META.get("HTTP_USER_AGENT", "")[:200]}


def on_logged_in(sender, request, user, **kwargs):
    audit_record(at=timezone.now(), action="auth.login", obj=user, actor=user,
                 data={"user": user.get_username(), **_client(request)})


def on_logged_out(sender, request, user, **kwargs):
    if user is not None and user.is_authenticated:
        audit_record(at=timezone.now(), action="auth.logout", obj=user, actor=user,
                     data={"user": user.get_username(), **_client(request)})


def on_login_failed(sender, credentials, request=None, **kwargs):
    now = timezone.now()
    name = credentials.get(get_user_model().USERNAME_FIELD, credentials.get("username", ""))
    failure_count(request, name, refused=lockout.refusal_of(request) is not None, now=now)
    failures_audit(now=now, batch=20)  # windows already passed, so the chain keeps up without the task


def on_user_saved(sender, instance, created, raw=False, **kwargs):
    # set_password() leaves the new password in _password until save() has finished; a
    # hash upgraded at sign-in clears it first, so only real changes are recorded.
    if raw or created or getattr(instance, "_password", None) is None:
        return
    audit_record(at=timezone.now(), action="auth.password_change", obj=instance,
                 data={"user": instance.get_username()})
    lockout.unlock(instance.get_username())  # a new password ends the guessing of the old one


def connect() -> None:
    user_logged_in.connect(on_logged_in, dispatch_uid="pledge-audit-login")
    user_logged_out.connect(on_logged_out, dispatch_uid="pledge-audit-logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="pledge-audit-login-failed")
    post_save.connect(on_user_saved, sender=get_user_model(), dispatch_uid="pledge-audit-password")
