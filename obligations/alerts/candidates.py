"""Who is due a message now: reminders (opened, due soon) and escalations (the officer, the
supervisory group), each rule said once in Python (`moment`, `reminder_lead`,
`officer_threshold`, `group_due`) and once in SQL (`candidate_querysets`), which the planner
runs; tests/alerts/test_notifications.py and test_late_rows.py hold the two equal. Each
candidate carries `moment`, when its message became due: long ago (downtime) means late, for
the catch-up. In SQL each kind is a window of tasks and the instant each becomes a candidate
(`_windows`): the candidates are those whose instant has come, and the earliest instant still
to come is the planner's wake (wake.py)."""

from datetime import timedelta

from django.conf import settings
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
from django.db.models.functions import Coalesce, Greatest, Least

from ..models import Membership, Notification, Obligation, Occurrence, Role
from .told import ESCALATED, UNREMINDED, untold

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


def _moment_sql(kind):
    """moment() in SQL, on the candidates of `kind` (with the aliases candidate_querysets gives them)."""
    K, S = Notification.Kind, Occurrence.State
    at = {K.OPENED: F("opens_at"), K.DUE_SOON: F("remind_at"), K.ESCALATE_OFFICER: F("escalate_at")}.get(kind)
    if at is None:
        at = Case(When(obligation__escalate_group_minutes__isnull=True, then=F("close_at")),
                  When(state=S.MISSED, then=Least(F("group_at"), F("close_at"))),
                  default=F("group_at"), output_field=DateTimeField())
    return Greatest(at, F("obligation__starts_at"), output_field=DateTimeField())


def _unplanned(kind, queryset):
    """Those of `queryset` whose message of `kind` nobody planned yet (told.py): the values of
    `told` without its bit."""
    return queryset.filter(told__in=untold(kind)).alias(moment=_moment_sql(kind))


def _windows(*, now) -> dict:
    """Per kind, (queryset, start): the tasks not yet told of the kind that are due its
    message at `now` or may become so later (every test but time's: `now` only closes windows,
    never opens one), and `start`, the instant each becomes a candidate. So the candidates at
    `now` are those whose start has come (candidate_querysets), and no task of a window is a
    candidate before the earliest start (wake_querysets, which alerts/wake.py keeps)."""
    K, S = Notification.Kind, Occurrence.State
    # told < ESCALATED follows from either escalation's bit unset; said, it lets the planner read
    # the partial index of such tasks (occurrence_untold_idx), not every overdue one.
    overdue = Occurrence.objects.filter(state__in=Occurrence.TODO_STATES, due_at__gt=now - LOOKBACK,
                                        told__lt=ESCALATED)
    # told in UNREMINDED follows from either reminder's bit unset; said, it lets the planner
    # read occurrence_unreminded_idx (opened tasks not reminded of both), not every open one.
    reminded = Occurrence.objects.filter(_has_doers(), state=S.OPEN, due_at__gt=now, told__in=UNREMINDED)
    # The group hears of a missed task at once (its due time is past), of an overdue one past
    # the second threshold if the obligation sets one, else never while it stays open.
    group_start = Case(When(state=S.MISSED, then=F("due_at")),
                       When(obligation__escalate_group_minutes__isnull=False, then=Greatest(F("due_at"), F("group_at"))),
                       default=None, output_field=DateTimeField())
    return {
        K.OPENED: (reminded.filter(opens_at__gt=now - timedelta(days=1)), F("opens_at")),
        K.DUE_SOON: (reminded.alias(
            remind_at=_plus_minutes("due_at", -1 * _per_schedule_key(settings.PLEDGE_REMINDER_LEAD)),
        ), Greatest(F("opens_at"), F("remind_at"))),
        K.ESCALATE_OFFICER: (overdue.filter(_has_role(Role.OFFICER)).alias(
            escalate_at=_plus_minutes("due_at", _officer_threshold_sql()),
        ), Greatest(F("due_at"), F("escalate_at"))),
        K.ESCALATE_GROUP: (overdue.filter(_has_role(Role.SUPERVISOR)).alias(
            group_at=_plus_minutes("due_at", F("obligation__escalate_group_minutes")),
        ), group_start),
    }


def candidate_querysets(*, now) -> dict:
    """Per kind, the occurrences due a message now that nobody got yet, every test in SQL, not
    evaluated; each with the alias `moment` (when its message became due, as moment() says)."""
    return _starting_by(now=now, until=now)


def wake_querysets(*, now, until) -> dict:
    """Per kind, the tasks of its window whose start comes by `until`, with the alias `start`:
    none is due a message of the kind before the earliest start, until a write changes them
    (alerts/wake.py)."""
    return _starting_by(now=now, until=until)


def _starting_by(*, now, until) -> dict:
    K = Notification.Kind
    max_lead = timedelta(minutes=max(settings.PLEDGE_REMINDER_LEAD.values()))
    # What start <= until implies, said, so each is read through its partial index by time.
    implied = {K.OPENED: Q(opens_at__lte=until), K.DUE_SOON: Q(opens_at__lte=until, due_at__lte=until + max_lead),
               K.ESCALATE_OFFICER: Q(due_at__lte=until), K.ESCALATE_GROUP: Q(due_at__lte=until)}
    return {kind: _unplanned(kind, queryset.filter(implied[kind]).alias(start=start).filter(start__lte=until))
            for kind, (queryset, start) in _windows(now=now).items()}


def pairs_sql(querysets: dict, column: str = "pk", extra: tuple = ()) -> tuple[str, list]:
    """A SELECT of (kind, occurrence_id) of the candidates, or (kind, `column`), and the
    `extra` columns, each kind's queryset compiled as it stands."""
    parts, params = [], []
    outer = "occurrence_id" if column == "pk" else column
    more = "".join(f", c.extra_{name} AS {name}" for name in extra)
    for kind, queryset in querysets.items():
        values = {"pick": F(column), **{f"extra_{name}": F(name) for name in extra}}
        sql, p = queryset.order_by().values(**values).query.sql_with_params()
        parts.append(f"SELECT CAST(%s AS varchar(24)) AS kind, c.pick AS {outer}{more} FROM ({sql}) c")  # nosec B608 - compiled by the ORM
        params += [str(kind), *p]
    return " UNION ALL ".join(parts), params
