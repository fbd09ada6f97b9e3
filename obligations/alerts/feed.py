"""A user's open tasks as an iCalendar feed behind a private, revocable link."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from icalendar import Calendar, Event

from ..links import absolute_url
from ..models import CalendarFeed, Occurrence
from ..trust import access


@transaction.atomic
def feed_renew(*, user, now) -> CalendarFeed:
    """Revoke the user's links and issue a new one."""
    CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
    return CalendarFeed.objects.create(user=user)


def feed_renew_on_new_password(sender, instance, created, **kwargs):
    """post_save of the user (wired in apps.py): a new password — changed, reset, or set by an
    administrator — also ends the feed link issued before it, which whoever knew the old
    password may have copied; the user's calendar page shows the new link. Django marks a
    password just set with `_password` until the save is done, and not a hash upgrade."""
    if created or getattr(instance, "_password", None) is None:
        return
    if CalendarFeed.objects.filter(user=instance, revoked_at__isnull=True).exists():
        feed_renew(user=instance, now=timezone.now())


def feed_revoke(*, user, now) -> int:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)


def feed_calendar(user, *, now, host="pledge") -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Pledge//承诺履行//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Pledge")
    occs = (access.task_occurrences(user).filter(state=Occurrence.State.OPEN, due_at__lte=now + timedelta(days=92))
            .select_related("obligation", "clause", "platform").order_by("due_at"))
    for occ in occs:
        event = Event()
        event.add("uid", f"occurrence-{occ.pk}@{host}")
        event.add("summary", occ.obligation.title + (f" #{occ.sequence}" if occ.obligation.count > 1 else ""))
        event.add("dtstart", max(occ.opens_at, occ.due_at - timedelta(hours=1)))
        event.add("dtend", occ.due_at)
        event.add("dtstamp", now)
        event.add("description", f"{occ.platform.name} · {occ.clause.number}\n{occ.clause.text}")
        event.add("url", absolute_url("occurrence-detail", occ.pk))  # calendar apps open only absolute links
        cal.add_component(event)
    return cal.to_ical()
