"""Sign-ins, sign-outs, failed sign-ins and password changes go into the audit trail.

Receivers of django.contrib.auth's signals, connected in ObligationsConfig.ready():
auth.login, auth.logout and auth.login_failed (with the name that was tried; Django has
already masked the password), and auth.password_change whenever a user's password is
set on an existing account, by the user, through a reset link or in the admin.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.utils import timezone

from .audit import audit_record


def _client(request) -> dict:
    if request is None:
        return {}
    return {"ip": request.META.get("REMOTE_ADDR", ""), "agent": request.META.get("HTTP_USER_AGENT", "")[:200]}


def on_logged_in(sender, request, user, **kwargs):
    audit_record(at=timezone.now(), action="auth.login", obj=user, actor=user,
                 data={"user": user.get_username(), **_client(request)})


def on_logged_out(sender, request, user, **kwargs):
    if user is not None and user.is_authenticated:
        audit_record(at=timezone.now(), action="auth.logout", obj=user, actor=user,
                     data={"user": user.get_username(), **_client(request)})


def on_login_failed(sender, credentials, request=None, **kwargs):
    name = credentials.get(get_user_model().USERNAME_FIELD, credentials.get("username", ""))
    audit_record(at=timezone.now(), action="auth.login_failed", data={"user": str(name)[:150], **_client(request)})


def on_user_saved(sender, instance, created, raw=False, **kwargs):
    # set_password() leaves the new password in _password until save() has finished; a
    # hash upgraded at sign-in clears it first, so only real changes are recorded.
    if raw or created or getattr(instance, "_password", None) is None:
        return
    audit_record(at=timezone.now(), action="auth.password_change", obj=instance,
                 data={"user": instance.get_username()})


def connect() -> None:
    user_logged_in.connect(on_logged_in, dispatch_uid="pledge-audit-login")
    user_logged_out.connect(on_logged_out, dispatch_uid="pledge-audit-logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="pledge-audit-login-failed")
    post_save.connect(on_user_saved, sender=get_user_model(), dispatch_uid="pledge-audit-password")
