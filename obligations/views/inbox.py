from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from ..models import Notification


@require_GET
def notification_list(request):
    items = (Notification.objects.filter(recipient=request.user, sent_at__isnull=False)
             .select_related("occurrence")[:200])
    return render(request, "obligations/notifications.html", {"items": items})


@require_POST
def notifications_read(request):
    Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return redirect("notifications")
