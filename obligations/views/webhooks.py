"""A platform's webhooks, its officer's alone: the endpoints (registered, the secret shown once,
disabled, enabled, deleted) and the delivery log with a retry for a failed delivery. Thin over
alerts/webhook_endpoints.py; another platform's endpoint or delivery is 404."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..alerts.webhook_endpoints import delivery_retry, endpoint_create, endpoint_delete, endpoint_enable
from ..alerts.webhook_sender import schedule
from ..errors import DomainError
from ..forms.webhooks import WebhookEndpointForm
from ..models import Platform, WebhookDelivery, WebhookEndpoint
from ..tasks import MINUTE_TASK, send_webhooks
from ..trust import access
from ..wording import enumeration

PAGE_SIZE = 50


def _platform(request, slug) -> Platform:
    platform = get_object_or_404(Platform, slug=slug)
    access.require_page(request.user, platform.pk, "webhook-list")
    return platform


def _send_soon():
    """The worker sends now rather than at the next minute's sweep."""
    transaction.on_commit(lambda: send_webhooks.apply_async(expires=MINUTE_TASK["expires"]), robust=True)


@require_http_methods(["GET", "POST"])
def webhook_list(request, slug):
    platform = _platform(request, slug)
    form, created, status = WebhookEndpointForm(request.POST or None), None, 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                created = endpoint_create(platform=platform, url=d["url"], events=d["events"],
                                          description=d["description"], user=request.user, now=timezone.now())
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        if created is None:
            status = 400
        else:
            form = WebhookEndpointForm()
    endpoints = list(WebhookEndpoint.objects.filter(platform=platform).select_related("created_by"))
    for endpoint in endpoints:
        endpoint.events_text = enumeration(endpoint.event_labels())
    return render(request, "obligations/webhooks/list.html", {
        "platform": platform, "form": form, "created": created, "endpoints": endpoints,
        "schedule": enumeration(int(w.total_seconds() // 60) for w in schedule()),
    }, status=status)


def _endpoint(request, slug, pk) -> WebhookEndpoint:
    platform = _platform(request, slug)
    return get_object_or_404(WebhookEndpoint.objects.select_related("platform"), pk=pk, platform=platform)


@require_POST
def webhook_enable(request, slug, pk):
    endpoint = _endpoint(request, slug, pk)
    enabled = request.POST.get("enabled") == "1"
    endpoint_enable(endpoint=endpoint, enabled=enabled, user=request.user, now=timezone.now())
    messages.success(request, _("已启用 %(url)s。") % {"url": endpoint.url} if enabled
                     else _("已停用 %(url)s:停用期间的事件不会发送。") % {"url": endpoint.url})
    if enabled:
        _send_soon()
    return redirect("webhook-list", slug)


@require_POST
def webhook_delete(request, slug, pk):
    endpoint = _endpoint(request, slug, pk)
    endpoint_delete(endpoint=endpoint, user=request.user, now=timezone.now())
    messages.success(request, _("已删除 %(url)s 及其投递记录。") % {"url": endpoint.url})
    return redirect("webhook-list", slug)


@require_GET
def webhook_deliveries(request, slug):
    platform = _platform(request, slug)
    rows = (WebhookDelivery.objects.filter(platform=platform).select_related("endpoint")
            .order_by("-created_at", "-id"))
    status = request.GET.get("status", "")
    if status in WebhookDelivery.Status.values:
        rows = rows.filter(status=status)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "obligations/webhooks/deliveries.html", {
        "platform": platform, "page": page, "status": status, "statuses": WebhookDelivery.Status.choices})


@require_POST
def webhook_retry(request, slug, pk):
    platform = _platform(request, slug)
    delivery = get_object_or_404(WebhookDelivery.objects.select_related("endpoint", "platform"), pk=pk,
                                 platform=platform)
    try:
        delivery_retry(delivery=delivery, user=request.user, now=timezone.now())
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已重新排队发送。"))
        _send_soon()
    return redirect(_log_url(slug, request.POST.get("status", ""), request.POST.get("page", "")))


def _log_url(slug, status: str, page: str) -> str:
    """The log as the officer was reading it: its status filter and page kept."""
    query = urlencode({k: v for k, v in (("status", status), ("page", page))
                       if v and (k != "status" or v in WebhookDelivery.Status.values) and (k != "page" or v.isdigit())})
    return reverse("webhook-deliveries", args=[slug]) + (f"?{query}" if query else "")
