from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ObligationsConfig(AppConfig):
    name = "obligations"
    verbose_name = _("承诺义务")

    def ready(self):
        from django.conf import settings
        from django.contrib.auth.signals import user_logged_in, user_login_failed
        from django.db.models import fields
        from django.db.models.signals import post_save

        from . import (
            checks,  # noqa: F401  (registers the system checks)
            stored_times,
        )
        from .alerts.feed import feed_renew_on_new_password
        from .alerts.signin_notices import on_login_failed
        from .signin_middleware import session_started
        from .trust import signins

        if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
            stored_times.register()  # a stored date Python cannot hold reads as out of range, not a crash
        signins.connect()  # sign-ins, sign-outs, failures and password changes are audited
        # After axes and signins counted it: the account's owner hears of repeated wrong passwords.
        user_login_failed.connect(on_login_failed, dispatch_uid="pledge-signin-failures-notice")
        post_save.connect(feed_renew_on_new_password, sender=settings.AUTH_USER_MODEL,
                          dispatch_uid="pledge-feed-renew-on-new-password")
        user_logged_in.connect(session_started, dispatch_uid="pledge-session-started")
        # The empty choice of a select that names none of its own (Django 6.1's "- Select an option -",
        # which Django's Chinese catalogue does not translate): Django reads it here when a form is made.
        fields.BLANK_CHOICE_LABEL = _("— 请选择 —")
