"""Shared by the platform and member tests: a site administrator, the audit records of an action."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from obligations.models import AuditEvent


def make_site_admin(username="root", password=None):
    """A Django staff user holding obligations.administer_site (not a superuser)."""
    user = get_user_model().objects.create_user(username, email=f"{username}@example.com",
                                                password=password or "pw-" + username, is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="administer_site", content_type__app_label="obligations"))
    return get_user_model().objects.get(pk=user.pk)  # fresh: no stale permission cache


def audits(action, **filters):
    return list(AuditEvent.objects.filter(action=action, **filters).order_by("id"))
