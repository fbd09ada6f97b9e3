"""The admin lists every model, for setup. Records (occurrences, completions, evidence,
cases, the audit trail) and frozen things are read-only here; every change made on the
other pages writes an audit record (admin_audit.AuditedAdmin). Second-factor devices and
lockout records: admin_signin.py."""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from . import (
    admin_signin,  # noqa: F401  (devices and lockouts, their secrets never shown)
    models,
)
from .admin_audit import AuditedAdmin
from .models.calendar import CalendarYear

admin.site.site_header = admin.site.site_title = _("Pledge 管理后台")


class ReadOnlyAdmin(admin.ModelAdmin):
    """For append-only records: listed and readable, never added, changed or deleted here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.Platform)
class PlatformAdmin(AuditedAdmin):
    list_display = ("slug", "name", "timezone")
    search_fields = ("slug", "name")


@admin.register(models.Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ("user", "platform", "role")
    list_filter = ("platform", "role")


class ClauseInline(admin.TabularInline):
    model = models.Clause
    extra = 0
    fields = ("number", "text")

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.is_frozen

    def has_add_permission(self, request, obj=None):
        return obj is None or not obj.is_frozen

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.is_frozen


@admin.register(models.Letter)
class LetterAdmin(AuditedAdmin):
    list_display = ("title", "platform", "version", "state", "signed_at")
    list_filter = ("state", "platform")
    inlines = [ClauseInline]
    readonly_fields = ("state", "signed_at", "signed_by", "amends")

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.is_frozen

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.is_frozen


@admin.register(models.Clause)
class ClauseAdmin(AuditedAdmin):
    list_display = ("number", "letter", "text")
    list_filter = ("letter__platform",)

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.letter.is_frozen

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.letter.is_frozen


@admin.register(models.Obligation)
class ObligationAdmin(AuditedAdmin):
    list_display = ("key", "title", "platform", "kind", "period", "count", "responsible_role", "retention_years")
    list_filter = ("platform", "kind", "period")


@admin.register(models.Occurrence)
class OccurrenceAdmin(ReadOnlyAdmin):
    list_display = ("obligation", "platform", "sequence", "opens_at", "due_at", "state")
    list_filter = ("state", "platform")
    date_hierarchy = "due_at"
    list_select_related = ("obligation", "platform")


@admin.register(models.Completion)
class CompletionAdmin(ReadOnlyAdmin):
    list_display = ("occurrence", "user", "completed_at", "late", "reopened_at")


@admin.register(models.CalendarDay)
class CalendarDayAdmin(AuditedAdmin):
    list_display = ("date", "is_workday", "note")


@admin.register(CalendarYear)
class CalendarYearAdmin(AuditedAdmin):
    list_display = ("year", "complete", "loaded_by", "loaded_at")


@admin.register(models.AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "platform", "actor", "action", "object_type", "object_id")
    list_filter = ("action",)


@admin.register(models.Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    """Evidence is never edited, nor deleted before keep_until (the database refuses too)."""

    list_display = ("original_name", "platform", "occurrence", "sha256", "size", "uploaded_at", "keep_until")
    list_filter = ("platform", "content_type")


@admin.register(models.Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("kind", "recipient", "occurrence", "created_at", "sent_at", "repeat", "cancelled_at")
    list_filter = ("kind",)


@admin.register(models.Robot)
class RobotAdmin(ReadOnlyAdmin):
    """Set on the platform's channels page (views/channels.py), every change audited; the token and
    the secret are never shown."""

    list_display = ("name", "kind", "platform", "language", "created_at", "removed_at")
    list_filter = ("platform", "kind")
    exclude = ("token", "secret")


@admin.register(models.Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("notification", "channel", "robot", "platform", "started_at", "sent_at", "failed_at")
    list_filter = ("channel", "platform")


@admin.register(models.Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    """Read here; sent, revoked and accepted on the members page (trust/invitations.py), each on the
    audit trail. The link's token is never stored, and its hash is not shown."""

    list_display = ("email", "platform", "role", "invited_by", "created_at", "expires_at", "accepted_at", "revoked_at")
    list_filter = ("platform", "role")
    exclude = ("token_hash",)


@admin.register(models.CalendarFeed)
class CalendarFeedAdmin(AuditedAdmin):
    list_display = ("user", "created_at", "revoked_at")
    readonly_fields = ("token",)


class UserPreferencesForm(forms.ModelForm):
    language = forms.ChoiceField(label=_("界面语言"), required=False,
                                 choices=[("", _("— 未选择(默认中文)—"))] + list(settings.LANGUAGES))

    class Meta:
        model = models.UserPreferences
        fields = ("user", "language")


@admin.register(models.UserPreferences)
class UserPreferencesAdmin(AuditedAdmin):
    form = UserPreferencesForm
    list_display = ("user", "language", "updated_at")
    list_filter = ("language",)


class CaseEventInline(admin.TabularInline):
    model = models.CaseEvent
    extra = 0
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.Case)
class CaseAdmin(ReadOnlyAdmin):
    """Cases open, are assigned and close through the app (which starts their clocks and
    writes their history); here they are only read."""

    list_display = ("number", "platform", "kind", "severity", "state", "received_at", "assignee")
    list_filter = ("platform", "kind", "state", "severity")
    search_fields = ("number",)
    inlines = [CaseEventInline]


@admin.register(models.CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ("case", "at", "action", "actor")


@admin.register(models.CaseCounter)
class CaseCounterAdmin(ReadOnlyAdmin):
    list_display = ("platform", "kind", "year", "last")


@admin.register(models.Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ("platform", "year", "quarter", "state", "closed_at", "seal")
    list_filter = ("state", "platform")


@admin.register(models.ReviewExplanation, models.ReviewFinding, models.ReviewSignature, models.Rectification,
                models.ExportJob)
class ReviewPartAdmin(ReadOnlyAdmin):
    pass


# Who may sign in, and with which rights, is a state change like any other.
class AuditedUserAdmin(AuditedAdmin, UserAdmin):
    pass


class AuditedGroupAdmin(AuditedAdmin, GroupAdmin):
    pass


for model, model_admin in ((get_user_model(), AuditedUserAdmin), (Group, AuditedGroupAdmin)):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)


@admin.register(models.SweepRun)
class SweepRunAdmin(ReadOnlyAdmin):
    list_display = ("name", "finished_at", "duration_ms", "runs", "silence_alerted_at")


@admin.register(models.WorkerBeat)
class WorkerBeatAdmin(ReadOnlyAdmin):
    list_display = ("hostname", "pid", "started_at", "seen_at")


@admin.register(models.EvidenceDisposal)
class EvidenceDisposalAdmin(ReadOnlyAdmin):
    """Approved on the platform's retention page, by its officer, never here."""

    list_display = ("evidence", "platform", "listed_at", "approved_by", "approved_at", "file_removed_at")
    list_filter = ("platform",)


@admin.register(models.WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    """Kept on the platform's webhook page by its officer (audited there); the signing secret is never shown."""

    list_display = ("url", "platform", "enabled", "created_by", "created_at")
    list_filter = ("platform", "enabled")
    exclude = ("secret",)


@admin.register(models.WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("event", "endpoint", "platform", "status", "attempts", "last_status_code", "created_at",
                    "delivered_at")
    list_filter = ("platform", "event", "status")


@admin.register(models.ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Made and revoked on the platform's token page by its officer (audited there); the
    secret's hash is never shown."""

    list_display = ("name", "prefix", "platform", "scopes", "created_by", "expires_at", "last_used_at", "revoked_at")
    list_filter = ("platform",)
    exclude = ("secret_hash",)


@admin.register(models.PlannerWake)
class PlannerWakeAdmin(ReadOnlyAdmin):
    """When the planner next looks (alerts/wake.py): for an operator asking why nothing was planned."""

    list_display = ("at", "planned_at", "rules")
