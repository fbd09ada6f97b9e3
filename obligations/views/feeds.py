from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from ..alerts.feed import feed_calendar, feed_renew, feed_revoke
from ..models import CalendarFeed


@require_http_methods(["GET", "POST"])
def feed_settings(request):
    now = timezone.now()
    if request.method == "POST":
        if "revoke" in request.POST:
            feed_revoke(user=request.user, now=now)
        else:
            feed_renew(user=request.user, now=now)
        return redirect("calendar-feed")
    feed = CalendarFeed.objects.filter(user=request.user, revoked_at__isnull=True).first()
    url = request.build_absolute_uri(f"/calendar-feed/{feed.token}.ics") if feed else None
    return render(request, "obligations/calendar_feed.html", {"feed": feed, "url": url})


@login_not_required  # the token is the credential: calendar apps cannot sign in
@require_GET
def feed_ics(request, token):
    feed = CalendarFeed.objects.filter(token=token, revoked_at__isnull=True).select_related("user").first()
    if feed is None or not feed.user.is_active:
        raise Http404
    body = feed_calendar(feed.user, now=timezone.now(), host=request.get_host())
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")
