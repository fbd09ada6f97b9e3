"""The demo platform: the seed's first letter, filled and signed, one user per role, and the
history a supervisor needs to see something: the letter was signed on the last quarter's
first day, and that quarter and the current one up to now were lived through by the app's
own functions at their instants (sweeps as of past times, check-offs done, late or never, cases
opened and handled, the last quarter's review opened when it ended and explained in part)."""

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from .cases.services import case_close, case_open
from .letters.services import current_letter, letter_create, letter_sign
from .models import Case, Letter, Membership, Occurrence, Platform, Review, Role
from .oversight.review_snapshot import exceptions
from .oversight.reviews import finding_add, review_explain, reviews_open
from .schedule.periods import PeriodKind, period_containing
from .work.evidence import completion_with_evidence
from .work.occurrences import occurrence_complete
from .work.sweeps import obligations_materialize, occurrences_close_out

DEMO_PASSWORD = "pledge-demo"
DEMO_USERS = {"officer": Role.OFFICER, "staff": Role.STAFF, "supervisor": Role.SUPERVISOR, "auditor": Role.AUDITOR}
# How the platform's records name each demo user (members page, signatures, reports).
DEMO_PEOPLE = {"officer": ("王立平", "合规总监"), "staff": ("李娜", "安全运营专员"),
               "supervisor": ("陈思远", "监督小组组长"), "auditor": ("赵敏", "内审专员")}
# Of the calendar tasks due before now, taken in due order: the n-th is left undone when
# n % MISSED_EVERY == MISSED_AT, done late when n % LATE_EVERY == LATE_AT, else done on time.
MISSED_EVERY, MISSED_AT = 31, 11
LATE_EVERY, LATE_AT = 17, 4
UNEXPLAINED_LEFT = 2  # the officer's work still waiting on the review: its latest exceptions


def demo_values(sign_date):
    return {
        "purpose": "线上服务平台规范运营",
        "platform_name": "示范线上服务平台",
        "law_prefix": "中华人民共和国",
        "service_objects": "个人用户及商户",
        "service_scope": "在线咨询、交易撮合与售后服务",
        "checks_per_day": 3,
        "audits_per_month": 1,
        "audit_retention_years": 3,
        "service_staff": 10,
        "response_minutes": 30,
        "trainings_per_quarter": 2,
        "setup_days": 30,
        "recovery_hours": 24,
        "assessments_per_month": 1,
        "finding_fix_days": 30,
        "finding_fix_serious_workdays": 5,
        "finding_fix_critical_hours": 24,
        "lead_department": "合规部",
        "group_report_days": 15,
        "compliance_role": "合规总监",
        "appoint_days": 7,
        "complaint_response_hours": 24,
        "regulator_report_period": "quarterly",
        "signer": "示范线上服务平台负责人",
        "sign_date": sign_date.isoformat(),
    }


@transaction.atomic
def demo_setup(*, now, lived: bool = False) -> Platform:
    """The demo platform, its people and its signed letter. `lived`: as the `demo` command makes it,
    signed on the last quarter's first day and lived through to `now` (a finished quarter to review);
    otherwise signed at `now` with the periods under way owed, the plain start tests build on."""
    platform, _ = Platform.objects.get_or_create(slug="demo", defaults={"name": "示范线上服务平台",
                                                                       "public_intake": True})
    User = get_user_model()
    users = {}
    for username, role in DEMO_USERS.items():
        user, created = User.objects.get_or_create(username=username, defaults={"email": f"{username}@demo.local"})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        full_name, post = DEMO_PEOPLE[username]
        Membership.objects.get_or_create(user=user, platform=platform,
                                         defaults={"role": role, "full_name": full_name, "post": post})
        users[username] = user
    if current_letter(platform) is None and not lived:
        letter = letter_create(platform=platform, values=demo_values(now.astimezone(platform.tz).date()),
                               user=users["officer"], now=now)
        letter_sign(letter=letter, user=users["officer"], now=now, first_period=Letter.FirstPeriod.CURRENT)
    elif current_letter(platform) is None:
        last_quarter = period_containing(PeriodKind.QUARTERLY, now, platform.tz).start - timedelta(days=1)
        began = period_containing(PeriodKind.QUARTERLY, last_quarter, platform.tz).start
        signed_at = began + timedelta(hours=9)  # 09:00 on the last quarter's first day
        letter = letter_create(platform=platform, values=demo_values(signed_at.astimezone(platform.tz).date()),
                               user=users["officer"], now=signed_at)
        # The periods under way at signing are owed: the whole last quarter is the platform's.
        letter_sign(letter=letter, user=users["officer"], now=signed_at, first_period=Letter.FirstPeriod.CURRENT)
        demo_history(platform=platform, users=users, since=signed_at, now=now)
    return platform


def demo_history(*, platform, users, since: datetime, now: datetime) -> None:
    """Live the time from `since` to `now` a week at a time, as beat would have: raise the
    tasks, do what the people did by then, open and handle the cases, mark the rest missed,
    open the review when its quarter ends. `now` itself is left to the caller's sweep."""
    quarter_start = period_containing(PeriodKind.QUARTERLY, now, platform.tz).start
    events = sorted(_case_events(platform, users, since=since, now=now)
                    + _review_events(platform, users, since=quarter_start, now=now), key=lambda e: e[0])
    done = {"n": 0}
    step, previous = since, since
    while previous < now:
        step = min(step + timedelta(days=7), now - timedelta(minutes=1))
        if step <= previous:
            break
        obligations_materialize(now=step)
        while events and events[0][0] <= step:
            at, action = events.pop(0)
            action(at)
        _check_off(platform, users, after=previous, until=step, now=now, done=done)
        occurrences_close_out(now=step)
        reviews_open(now=step)
        previous = step


def _evidence(occurrence, at):
    day = at.astimezone(occurrence.platform.tz).date()
    text = f"{occurrence.obligation.title}\n{day:%Y-%m-%d}:已按要求完成,记录存档。\n"
    return SimpleUploadedFile(f"{occurrence.obligation.key}-{day:%Y%m%d}.txt", text.encode(), "text/plain")


def _complete(occurrence, user, at, note=""):
    if occurrence.obligation.evidence_required:
        return completion_with_evidence(occurrence=occurrence, user=user, note=note, now=at,
                                        files=[_evidence(occurrence, at)])
    return occurrence_complete(occurrence=occurrence, user=user, note=note, now=at)


def _check_off(platform, users, *, after, until, now, done) -> None:
    """The calendar tasks due in (after, until]: most done before they fall due, some late,
    a few never. The supervisory group's report (四.1) is left to the review that completes it."""
    by_role = {Role.OFFICER: users["officer"], Role.STAFF: users["staff"], Role.SUPERVISOR: users["supervisor"]}
    rows = (Occurrence.objects.filter(platform=platform, case__isnull=True, due_at__gt=after, due_at__lte=until,
                                      state__in=Occurrence.TODO_STATES)
            .exclude(obligation__responsible_role=Role.SUPERVISOR)
            .select_related("obligation", "platform").order_by("due_at", "id"))
    for occurrence in rows:
        n = done["n"] = done["n"] + 1
        if n % MISSED_EVERY == MISSED_AT:
            continue
        late = n % LATE_EVERY == LATE_AT and occurrence.due_at + timedelta(hours=3) < now
        at = (occurrence.due_at + timedelta(hours=3) if late
              else max(occurrence.opens_at, occurrence.due_at - timedelta(hours=1)))
        _complete(occurrence, by_role[occurrence.obligation.responsible_role], at)


def _clock(case, step):
    return next(c for c in case.clocks.select_related("obligation", "platform").order_by("sequence")
                if c.step == step)


# The cases: (days after signing, kind, description, [(step, hours after receipt, note)], closed after hours).
CASES = [
    (20, Case.Kind.COMPLAINT, "用户反映订单退款超过承诺时限仍未到账。",
     [("respond", 2, "已联系用户核实订单。"), ("decide", 60, "退款已补发,向用户致歉并说明原因。")], 62),
    (41, Case.Kind.INCIDENT, "支付接口异常,部分用户下单失败约40分钟。",
     [("recover", 5, "切换备用通道,服务已恢复。")], 8),
    (52, Case.Kind.COMPLAINT, "商户投诉店铺被误判违规下架。",
     [("respond", 30, "周末值班遗漏,已致电商户说明。"), ("decide", 100, "复核后恢复店铺,调整误判规则。")], 102),
    (70, Case.Kind.FINDING, "第三方评估发现后台存在弱口令账号。",
     [("fix", 24 * 12, "已重置口令并启用多因素验证。")], 24 * 12 + 2),
]


def _case_events(platform, users, *, since, now) -> list:
    """Each case opened at its receipt and handled at its instants; one complaint of the last
    two days is still open, its response given and its decision still due."""
    officer, staff = users["officer"], users["staff"]
    events = []
    for days, kind, text, steps, closed in CASES:
        received = since + timedelta(days=days, hours=1)
        if received + timedelta(hours=closed) >= now:
            continue

        def story(at, kind=kind, text=text, steps=steps, closed=closed):
            case, _ = case_open(platform=platform, kind=kind, description=text, received_at=at, now=at,
                                user=officer, channel=Case.Channel.PHONE, assignee=staff)
            for step, hours, note in steps:
                _complete(_clock(case, step), staff, at + timedelta(hours=hours), note=note)
            case_close(case=case, user=officer, note="已办结。", waivers={}, now=at + timedelta(hours=closed))

        events.append((received, story))
    received = now - timedelta(days=2)
    if received > since:
        def open_complaint(at):
            case, _ = case_open(platform=platform, kind=Case.Kind.COMPLAINT, received_at=at, now=at, user=officer,
                                description="用户反映客服热线夜间无人接听。", channel=Case.Channel.EMAIL,
                                assignee=staff)
            _complete(_clock(case, "respond"), staff, at + timedelta(hours=3), note="已回复用户,正在核查排班。")

        events.append((received, open_complaint))
    return events


def _review_events(platform, users, *, since, now) -> list:
    """The last quarter's review opened an hour after the quarter ended, as the hourly sweep
    would; later the officer explains its exceptions but the latest few, and the group records
    a finding."""
    if now - since < timedelta(hours=2):
        return []
    half = min(timedelta(days=10), (now - since) / 2)

    def explain(at):
        review = Review.objects.filter(platform=platform).order_by("-year", "-quarter").first()
        if review is None:
            return
        for row in exceptions(review)[:-UNEXPLAINED_LEFT]:
            occurrence = Occurrence.objects.get(pk=row["occurrence"])
            text = {"missed": "当班人员临时调岗,任务未在期限内完成;已调整排班并设置替班。",
                    "late": "任务完成后记录提交延迟;已要求当日提交记录。"}.get(row["kind"], "超出承诺时限;已复盘并调整值班安排。")
            review_explain(review=review, occurrence=occurrence, text=text, user=users["officer"], now=at)
        finding_add(review=review, text="夜间时段安全检查多次延后,需增加值班人员。", severity="medium",
                    user=users["supervisor"], now=at + timedelta(hours=1))

    return [(since + timedelta(hours=1), lambda at: reviews_open(now=at)), (since + half, explain)]
