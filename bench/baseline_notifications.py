"""The notification planner as it stood before issue 21 (commit 540db2c), frozen here as the
benchmark's fixed baseline: bench/notifications.py runs it and the current planner on the same
data in the same run. Not imported by the app. Its pieces: plan_candidates and _plan_rows
(notifications.py), catch_up (catch_up.py) and insert_notifications (outbox.py), unchanged
but for the imports.
"""
# ruff: noqa


from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection
from django.db.models import (
    Case,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from obligations.letters.presentation import deadline_phrase
from obligations.links import absolute_url
from obligations.models import Membership, Notification, Obligation, Occurrence, Role
from obligations.schedule.local_time import zoned
from obligations.schedule.periods import PeriodKind, period_containing
from obligations.trust import access
from obligations.trust.audit_head import audit_head
from obligations.trust.preferences import languages_of

LOOKBACK = timedelta(days=35)  # escalations reach back this far after downtime
MINUTE = timedelta(minutes=1)


def schedule_key(ob: Obligation) -> str:
    return ob.period or ob.kind


def reminder_lead(ob: Obligation) -> timedelta:
    return timedelta(minutes=settings.PLEDGE_REMINDER_LEAD[schedule_key(ob)])


def officer_threshold(ob: Obligation) -> timedelta:
    if ob.escalate_officer_minutes is not None:
        return timedelta(minutes=ob.escalate_officer_minutes)
    default = settings.PLEDGE_ESCALATE_OFFICER[schedule_key(ob)]
    return timedelta(minutes=min(default, ob.grace_minutes) if ob.grace_minutes else default)


def group_due(occ: Occurrence, now) -> bool:
    """The supervisory group hears of a missed task, or of one overdue past the second threshold."""
    ob = occ.obligation
    if occ.state == Occurrence.State.MISSED:
        return True
    return ob.escalate_group_minutes is not None and now >= occ.due_at + timedelta(minutes=ob.escalate_group_minutes)


# The same rules in SQL, so a sweep loads only the occurrences that are due a message.

def _per_schedule_key(minutes: dict) -> Case:
    """Minutes per schedule key (the period, else the kind) as a SQL expression."""
    whens = [When(obligation__period=key, then=Value(value)) for key, value in minutes.items()
             if key in Obligation.Period.values]
    whens += [When(obligation__period="", obligation__kind=key, then=Value(value)) for key, value in minutes.items()
              if key in Obligation.Kind.values]
    return Case(*whens, default=Value(max(minutes.values())), output_field=IntegerField())


def _plus_minutes(field: str, minutes) -> ExpressionWrapper:
    """field + minutes (an integer expression) as a timestamp, on PostgreSQL and SQLite."""
    minutes = ExpressionWrapper(minutes, output_field=IntegerField())  # SQLite multiplies plain integers only
    return ExpressionWrapper(F(field) + ExpressionWrapper(minutes * Value(MINUTE), output_field=DurationField()),
                             output_field=DateTimeField())


def _officer_threshold_sql():
    default = _per_schedule_key(settings.PLEDGE_ESCALATE_OFFICER)
    capped = Case(When(obligation__grace_minutes__gt=0, then=Least(default, F("obligation__grace_minutes"))),
                  default=default, output_field=IntegerField())
    return Coalesce(F("obligation__escalate_officer_minutes"), capped, output_field=IntegerField())


def _has_role(role):
    return Exists(Membership.objects.filter(platform_id=OuterRef("platform_id"), role=role))


def _has_doers():
    named = Exists(Obligation.assignees.through.objects.filter(obligation_id=OuterRef("obligation_id")))
    by_role = Exists(Membership.objects.filter(platform_id=OuterRef("platform_id"),
                                               role=OuterRef("obligation__responsible_role")))
    return Q(named) | Q(by_role)


def moment(kind, occ) -> object:
    """When a message of `kind` about `occ` became due (never before its obligation took
    effect): a message whose moment lies long before the sweep (downtime) goes into the
    catch-up message instead of alone."""
    ob, K = occ.obligation, Notification.Kind
    if kind == K.OPENED:
        at = occ.opens_at
    elif kind == K.DUE_SOON:
        at = occ.due_at - reminder_lead(ob)
    elif kind == K.ESCALATE_OFFICER:
        at = occ.due_at + officer_threshold(ob)
    elif ob.escalate_group_minutes is None:
        at = occ.close_at
    else:
        at = occ.due_at + timedelta(minutes=ob.escalate_group_minutes)
        at = min(at, occ.close_at) if occ.state == Occurrence.State.MISSED else at
    return max(at, ob.starts_at)


def _when(occ):
    """A task's due time as a message says it: local to its platform, the zone named."""
    return zoned(occ.due_at, occ.platform.tz, year=False)


def task_name(occ) -> str:
    """A task as a message names it: a case's clock by its case and step (投诉举报
    TS-2026-000012 · 24小时内响应), any other by its title (#n when several a period)."""
    ob = occ.obligation
    if occ.deadline:
        case = occ.case
        return _("%(kind)s %(number)s · %(step)s") % {
            "kind": case.get_kind_display(), "number": case.number, "step": deadline_phrase(occ.deadline, case.severity)}
    return ob.title + (f" #{occ.sequence}" if ob.count > 1 else "")


def _message(kind, occ):
    name = task_name(occ)
    subject = {
        Notification.Kind.OPENED: _("任务已开始:%(name)s,%(due)s 到期"),
        Notification.Kind.DUE_SOON: _("即将到期:%(name)s,%(due)s 到期"),
        Notification.Kind.ESCALATE_OFFICER: _("逾期未完成:%(name)s(%(due)s 到期)"),
        Notification.Kind.ESCALATE_GROUP: _("监督小组关注:%(name)s 未按期完成(%(due)s 到期)"),
    }[kind] % {"name": name, "due": _when(occ)}
    body = _("%(platform)s · 条款 %(clause)s\n%(subject)s\n详情:%(link)s") % {
        "platform": occ.platform.name, "clause": occ.clause.number, "subject": subject,
        "link": absolute_url("occurrence-detail", occ.pk)}  # mail apps open only absolute links
    if occ.case_id:
        body += "\n" + _("案件:%(link)s") % {"link": absolute_url("case-detail", occ.case_id)}
    return subject, body


def _candidates(kind, queryset):
    exists = Notification.objects.filter(occurrence=OuterRef("pk"), kind=kind)
    return list(queryset.filter(~Exists(exists)).select_related("obligation", "platform", "clause", "case"))


def plan_candidates(*, now) -> dict:
    """Per kind, the occurrences due a message now that nobody got yet, every test in SQL."""
    K, S = Notification.Kind, Occurrence.State
    open_ = Occurrence.objects.filter(state=S.OPEN)
    overdue = Occurrence.objects.filter(state__in=Occurrence.TODO_STATES, due_at__lte=now, due_at__gt=now - LOOKBACK)
    max_lead = timedelta(minutes=max(settings.PLEDGE_REMINDER_LEAD.values()))
    reminded = open_.filter(_has_doers(), opens_at__lte=now, due_at__gt=now)
    return {
        K.OPENED: _candidates(K.OPENED, reminded.filter(opens_at__gt=now - timedelta(days=1))),
        K.DUE_SOON: _candidates(K.DUE_SOON, reminded.filter(due_at__lte=now + max_lead).alias(
            remind_at=_plus_minutes("due_at", -1 * _per_schedule_key(settings.PLEDGE_REMINDER_LEAD)),
        ).filter(remind_at__lte=now)),
        K.ESCALATE_OFFICER: _candidates(K.ESCALATE_OFFICER, overdue.filter(_has_role(Role.OFFICER)).alias(
            escalate_at=_plus_minutes("due_at", _officer_threshold_sql()),
        ).filter(escalate_at__lte=now)),
        K.ESCALATE_GROUP: _candidates(K.ESCALATE_GROUP, overdue.filter(_has_role(Role.SUPERVISOR)).alias(
            group_at=_plus_minutes("due_at", F("obligation__escalate_group_minutes")),
        ).filter(Q(state=S.MISSED) | Q(obligation__escalate_group_minutes__isnull=False, group_at__lte=now))),
    }


def notifications_plan(*, now, digests: bool = True) -> int:
    """Add the notifications that are due now (and the daily digest, unless the digest
    runs on its own). Returns the rows really written."""
    plans = plan_candidates(now=now)
    everyone = [o for occs in plans.values() for o in occs]
    created = 0
    if everyone:
        created = _plan_rows(plans, everyone, now)
    return created + (notifications_digest(now=now) if digests else 0)


def _plan_rows(plans, everyone, now) -> int:
    """The rows of the planned messages, each written in its recipient's language
    (trust/preferences.py): a message is worded once per language, not once per person."""
    K = Notification.Kind
    recipients = access.Doers(everyone)
    stale_before = now - timedelta(minutes=settings.PLEDGE_CATCH_UP_MINUTES)
    planned = []
    for kind, occs in plans.items():
        for occ in occs:
            users = {K.ESCALATE_OFFICER: lambda o: recipients.role(o, Role.OFFICER),
                     K.ESCALATE_GROUP: lambda o: recipients.role(o, Role.SUPERVISOR)}.get(kind, recipients.doers)(occ)
            planned.append((kind, occ, users))
    languages = languages_of({u for _kind, _occ, users in planned for u in users})
    worded = {}

    def message(kind, occ, language):
        if (kind, occ.pk, language) not in worded:
            with translation.override(language):
                worded[(kind, occ.pk, language)] = _message(kind, occ)
        return worded[(kind, occ.pk, language)]

    fresh, stale = [], []
    for kind, occ, users in planned:
        late = moment(kind, occ) < stale_before
        for u in users:
            subject, body = message(kind, occ, languages[u])
            # A late message is written as delivered in the app: the catch-up message carries it.
            (stale if late else fresh).append(Notification(recipient_id=u, kind=kind, occurrence=occ, subject=subject,
                                                           body=body, created_at=now, sent_at=now if late else None))
    written = insert_notifications(fresh)
    late_written = insert_notifications(stale)
    per_user = defaultdict(list)
    for _id, user_id, subject in late_written:
        per_user[user_id].append(subject)
    caught_up = sum(catch_up(user_id, subjects, languages[user_id], now) for user_id, subjects in per_user.items())
    return len(written) + len(late_written) + caught_up


def notifications_digest(*, now) -> int:
    """One digest a day per person with open tasks due today or overdue, after the digest hour."""
    tz = timezone.get_default_timezone()
    local = timezone.localtime(now, tz)
    if local.hour < settings.PLEDGE_DIGEST_HOUR:
        return 0
    today = period_containing(PeriodKind.DAILY, now, tz)
    if Notification.objects.filter(kind=Notification.Kind.DIGEST, digest_date=today.start_date).exists():
        return 0
    occs = list(Occurrence.objects.filter(state__in=Occurrence.TODO_STATES, due_at__gt=now - timedelta(days=7),
                                          due_at__lte=today.end).select_related("obligation", "clause", "case", "platform"))
    if not occs:
        return 0
    recipients = access.Doers(occs)
    per_user = defaultdict(list)
    for occ in occs:
        for user_id in recipients.doers(occ):
            per_user[user_id].append(occ)
    rows = []
    languages = languages_of(per_user)
    # Officers keep the audit chain's head of the day outside the database (trust/audit_head.py).
    officers = set(Membership.objects.filter(role=Role.OFFICER, user_id__in=per_user).values_list("user_id", flat=True))
    head = audit_head() if officers else None
    for user_id, items in per_user.items():
        with translation.override(languages[user_id]):  # the recipient's language
            late = [o for o in items if o.due_at <= now]
            lines = [f"{'⚠ ' if o.due_at <= now else ''}{o.clause.number} {task_name(o)} {_when(o)}"
                     for o in sorted(items, key=lambda o: o.due_at)]
            subject = _("今日待办 %(today)d 项,逾期 %(late)d 项") % {"today": len(items) - len(late), "late": len(late)}
            lines.append(_("我的任务:%(link)s") % {"link": absolute_url("my-tasks")})
            if user_id in officers:
                lines.append(_("今日审计链链头(记录数:哈希,请留存以备核对):%(head)s") % {"head": head})
            rows.append(Notification(recipient_id=user_id, kind=Notification.Kind.DIGEST, digest_date=today.start_date,
                                     subject=subject, body="\n".join(lines), created_at=now))
    return len(insert_notifications(rows))


# catch_up.py as it was
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from obligations.links import absolute_url
from obligations.models import Notification
from obligations.schedule.periods import local_midnight




UNSENT = {"claimed_at__isnull": True, "sent_at__isnull": True, "cancelled_at__isnull": True}


def _catch_up_text(subjects) -> tuple[str, str]:
    subjects = sorted(" ".join(s.split()) for s in subjects)  # one line each: the body lists them by line
    subject = _("停机期间未能按时发送的通知 %(n)d 条") % {"n": len(subjects)}
    body = (_("调度恢复后汇总如下,每条详情见站内通知:") + "\n" + "\n".join(subjects) + "\n"
            + _("站内通知:%(link)s") % {"link": absolute_url("notifications")})
    return subject, body


def catch_up(user_id, subjects: list[str], language: str, now) -> int:
    """One catch-up message at a time per person and day. The day's first is keyed by (person,
    day) in the database; a sweep that finds it written already locks it, so sweeps catching up
    for the same person take turns, and adds its rows to the day's message not yet claimed for
    sending (the first, or the one written after it went out), or writes that next one.
    Returns the messages written (0 when merged)."""
    day = timezone.localdate(now)
    mine = Notification.objects.filter(recipient_id=user_id, kind=Notification.Kind.CATCH_UP)
    with translation.override(language), transaction.atomic():
        subject, body = _catch_up_text(subjects)
        row = Notification(recipient_id=user_id, kind=Notification.Kind.CATCH_UP, digest_date=day, created_at=now,
                           subject=subject, body=body)
        if insert_notifications([row]):
            return 1
        first = mine.select_for_update().get(digest_date=day)  # the turn of this person's catch-ups
        waiting = first.claimed_at is None and first.sent_at is None and first.cancelled_at is None
        pending = first if waiting else (
            mine.select_for_update().filter(digest_date__isnull=True, **UNSENT,
                                            created_at__gte=local_midnight(day, timezone.get_default_timezone()))
            .order_by("-pk").first())
        if pending is None:
            row.digest_date = None  # the day's first is on its way: this one goes out after it
            return len(insert_notifications([row]))
        # The body lists one subject per line between its first line and the link (_catch_up_text).
        listed = pending.body.split("\n")[1:-1]
        pending.subject, pending.body = _catch_up_text(listed + list(subjects))
        pending.save(update_fields=["subject", "body"])
        return 0

# outbox.py as it was




INSERT_COLUMNS = ("recipient_id", "kind", "occurrence_id", "case_id", "digest_date", "subject", "body", "created_at",
                  "claimed_at", "attempts", "sent_at", "repeat", "cancelled_at", "read_at")


def insert_notifications(rows: list[Notification]) -> list[tuple]:
    """INSERT … ON CONFLICT DO NOTHING RETURNING: the (id, recipient, subject) of the rows
    really written; a row that exists already (planned by an earlier or a concurrent
    sweep) is not counted."""
    if not rows:
        return []
    table, columns = Notification._meta.db_table, ", ".join(INSERT_COLUMNS)
    ops = connection.ops
    written = []
    with connection.cursor() as cursor:
        for i in range(0, len(rows), 500):
            batch = rows[i : i + 500]
            params = []
            for n in batch:
                params += [n.recipient_id, n.kind, n.occurrence_id, n.case_id, ops.adapt_datefield_value(n.digest_date),
                           n.subject, n.body, ops.adapt_datetimefield_value(n.created_at),
                           ops.adapt_datetimefield_value(n.claimed_at), n.attempts,
                           ops.adapt_datetimefield_value(n.sent_at), n.repeat,
                           ops.adapt_datetimefield_value(n.cancelled_at), ops.adapt_datetimefield_value(n.read_at)]
            values = ", ".join(["(" + ", ".join(["%s"] * len(INSERT_COLUMNS)) + ")"] * len(batch))
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {values} ON CONFLICT DO NOTHING "  # nosec B608 - table and column names from the model, values as parameters
                           "RETURNING id, recipient_id, subject", params)
            written += cursor.fetchall()
    return written
