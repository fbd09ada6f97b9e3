"""Sign-in records in the admin, without their secrets, every change audited.

django-otp's and django-axes' own admin pages are replaced (admin.py imports this module):
an authenticator app (TOTP device) or a set of recovery codes (static device) shows only
its user, name, confirmation and use — never the TOTP key, its QR code or a code (codes are
kept hashed anyway: trust/second_factor.py). Devices are enrolled by their users, not added
here; renaming, unconfirming and deleting one (the lost-phone procedure of docs/signin.md)
write admin.change / admin.delete records like every AuditedAdmin. Lockout records are
read-only; deleting one (lifting a lockout) is recorded, and the form data axes kept is not
shown. The failed sign-ins counted per window are read-only.

The admin speaks the reader's language here too: django-otp names its models and fields in English it
leaves unmarked, so they are marked below with the same words, and locale/zh_Hans translates them and
axes' own marked English (a name is no part of a migration, and makemigrations runs untranslated)."""

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .admin_audit import AuditedAdmin
from .models import FailedSignIns

DEVICE_FIELDS = ("user", "name", "confirmed", "created_at", "last_used_at")


class DeviceAdmin(AuditedAdmin):
    list_display = ("user", "name", "confirmed", "last_used_at")
    list_filter = ("confirmed",)
    search_fields = ("user__username", "name")
    fields = DEVICE_FIELDS
    readonly_fields = ("user", "created_at", "last_used_at")

    def has_add_permission(self, request):
        return False  # a device added here would hold a secret someone other than its user knows


class RecoveryCodesAdmin(DeviceAdmin):
    list_display = ("user", "name", "confirmed", "codes_left", "last_used_at")
    fields = (*DEVICE_FIELDS, "codes_left")
    readonly_fields = ("user", "created_at", "last_used_at", "codes_left")

    @admin.display(description=_("剩余恢复码"))
    def codes_left(self, obj):
        return obj.token_set.count()


class LockoutRecordAdmin(AuditedAdmin):
    """Read-only; deleting a record lifts its lockout and is recorded."""

    actions = []  # not axes' "clean up expired attempts", which deletes without the audit trail
    hidden = ("get_data", "post_data")  # what the login form sent: no business of the admin

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_fieldsets(self, request, obj=None):
        return [(None, {"fields": [f for f in self.readonly_fields if f not in self.hidden]})]


class AuditedAccessAttemptAdmin(LockoutRecordAdmin, AccessAttemptAdmin):
    # axes' "status" column has no name of its own (it would read "Status" in every language)
    list_display = [("lock_status" if name == "status" else name) for name in AccessAttemptAdmin.list_display]

    @admin.display(description=_("状态"))
    def lock_status(self, obj):
        return self.status(obj)


class AuditedAccessLogAdmin(LockoutRecordAdmin, AccessLogAdmin):
    pass


class AuditedAccessFailureLogAdmin(LockoutRecordAdmin, AccessFailureLogAdmin):
    pass


class FailedSignInsAdmin(admin.ModelAdmin):
    list_display = ("window_start", "username", "address", "count", "refused", "last_at", "audited_at")
    search_fields = ("username", "address")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def mark_for_translation(model, fields):
    """The model's names and the fields' labels and help, as django-otp wrote them, marked for translation."""
    opts = model._meta
    opts.verbose_name = _(str(opts.verbose_name))  # their English: locale/zh_Hans
    opts.verbose_name_plural = _(str(opts.verbose_name_plural))
    for name in fields:
        field = opts.get_field(name)
        field.verbose_name = _(str(field.verbose_name))
        if field.help_text:  # gettext("") is the catalogue's header
            field.help_text = _(str(field.help_text))


for model in (TOTPDevice, StaticDevice):
    mark_for_translation(model, DEVICE_FIELDS)
for label, name in (("axes", _("登录锁定")), ("otp_totp", _("两步验证:验证器应用")),
                    ("otp_static", _("两步验证:恢复码"))):
    apps.get_app_config(label).verbose_name = name

for model, model_admin in ((TOTPDevice, DeviceAdmin), (StaticDevice, RecoveryCodesAdmin),
                           (AccessAttempt, AuditedAccessAttemptAdmin), (AccessLog, AuditedAccessLogAdmin),
                           (AccessFailureLog, AuditedAccessFailureLogAdmin), (FailedSignIns, FailedSignInsAdmin)):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
