"""The admin writes the audit trail too: AuditedAdmin records every add, change and
delete made through an admin page (admin.add, admin.change, admin.delete) with the
model, the primary key and the changed fields with their old and new values, in the
same transaction as the change. Records (occurrences, completions, evidence, cases,
the audit trail) are read-only in the admin instead (admin.ReadOnlyAdmin)."""

from datetime import date, datetime, time
from decimal import Decimal

from django.contrib import admin
from django.db import models, transaction
from django.utils import timezone

from .models import Platform
from .trust.audit import audit_record


def _secret(name: str) -> bool:
    return "password" in name or "token" in name


def plain(value):
    """A value as JSON can hold it."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.QuerySet | list | tuple | set):
        return [plain(v) for v in value]
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return str(value)[:500]


def _platform_of(obj):
    if isinstance(obj, Platform):
        return obj if obj.pk is not None else None
    platform_id = getattr(obj, "platform_id", None)
    if platform_id is None and getattr(obj, "letter_id", None) is not None:  # a clause
        platform_id = obj.letter.platform_id
    return Platform.objects.filter(pk=platform_id).first() if platform_id else None


def admin_audit(request, action, obj, *, changes=None, fields=None):
    data = {"model": obj._meta.label_lower, "pk": plain(obj.pk), "object": str(obj)[:200]}
    if fields is not None:
        data["fields"] = list(fields)
    if changes:
        data["changes"] = changes
    audit_record(at=timezone.now(), action=action, obj=obj, actor=request.user,
                 platform=None if action == "admin.delete" and isinstance(obj, Platform) else _platform_of(obj),
                 data=data)


def form_changes(form) -> dict:
    """{field: [before, after]} for the fields the form changed (secrets left out)."""
    changes = {}
    for name in form.changed_data:
        if _secret(name):
            continue
        changes[name] = [plain(form.initial.get(name)), plain(form.cleaned_data.get(name))]
    return changes


class AuditedAdmin(admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        admin_audit(request, "admin.change" if change else "admin.add", obj, fields=form.changed_data,
                    changes=form_changes(form))

    def delete_model(self, request, obj):
        with transaction.atomic():
            admin_audit(request, "admin.delete", obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                admin_audit(request, "admin.delete", obj)
            super().delete_queryset(request, queryset)

    def save_formset(self, request, form, formset, change):
        deleted = [f.instance for f in formset.deleted_forms if f.instance.pk is not None]
        with transaction.atomic():
            for obj in deleted:  # recorded first, while they still have their keys
                admin_audit(request, "admin.delete", obj)
            super().save_formset(request, form, formset, change)
            for obj in formset.new_objects:
                admin_audit(request, "admin.add", obj)
            forms = {id(f.instance): f for f in formset.forms}
            for obj, fields in formset.changed_objects:
                changes = form_changes(forms[id(obj)]) if id(obj) in forms else None
                admin_audit(request, "admin.change", obj, fields=fields, changes=changes)
