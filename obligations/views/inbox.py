from zoneinfo import ZoneInfo

from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from ..alerts.catch_up import catch_up_tasks
from ..models import Notification, Platform
from ..schedule.local_time import shared_zone


@require_GET
def notification_list(request):
    items = list(Notification.objects.filter(recipient=request.user, sent_at__isnull=False)
                 .select_related("occurrence__platform", "case__platform", "evidence__platform")[:200])
    default = ZoneInfo(Platform._meta.get_field("timezone").default)  # a digest is about no one platform
    told = catch_up_tasks(items)
    for n in items:  # each time in the zone of the platform it is about
        owner = n.occurrence or n.case or n.evidence
        n.tz = owner.platform.tz if owner else default
        n.tasks = told.get(n.pk, ())
    return render(request, "obligations/notifications.html", {"items": items,
                                                              "page_tz": shared_zone(n.tz for n in items)})


@require_POST
def notifications_read(request):
    Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return redirect("notifications")
