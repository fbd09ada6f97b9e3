from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserPreferences(models.Model):
    """What a person chose for themselves, kept with them rather than in one browser's
    cookie: the interface language, applied at sign-in and on every request they make
    (compliance/locale.py), and the language their notifications and emails are written
    in. Empty: not chosen, the site's default (settings.LANGUAGE_CODE). And the channels their
own messages go by besides the inbox: email (the default) and/or SMS to `phone`
(alerts/deliveries.py); a channel that fails falls back to email."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True,
                                related_name="preferences", verbose_name=_("用户"))
    language = models.CharField(_("界面语言"), max_length=16, blank=True)
    by_email = models.BooleanField(_("邮件通知"), default=True)
    by_sms = models.BooleanField(_("短信通知"), default=False)
    phone = models.CharField(_("手机号码"), max_length=20, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("个人偏好")
        verbose_name_plural = _("个人偏好")

    def __str__(self):
        return f"{self.user} · {self.language or '-'}"
