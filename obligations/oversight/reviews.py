"""The supervisory group's quarterly review (clause 四.1): opened when a quarter ends,
exceptions explained by the officer, rectification actions and findings recorded,
signed by the group, closed at quorum with its figures frozen and sealed. Closing
completes the quarter's 四.1 task with the report as its evidence."""

import itertools
import operator
from datetime import UTC, date, datetime, time, timedelta
from functools import reduce

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils.translation import gettext as _

from ..alerts import webhooks
from ..errors import DomainError
from ..letters.services import current_letter
from ..models import (
    Letter,
    Membership,
    Obligation,
    Occurrence,
    Platform,
    Rectification,
    Review,
    ReviewExplanation,
    ReviewFinding,
    ReviewSignature,
    Role,
)
from ..schedule.periods import PeriodKind, local_midnight, next_start_date, period_containing
from ..trust import access, second_factor
from ..trust.audit import audit_record
from ..trust.audit_head import audit_head
from ..work.evidence import completion_with_evidence, evidence_add
from ..work.sweeps import obligations_materialize
from .report_documents import review_pdf
from .review_snapshot import exception_occurrences, exceptions, review_snapshot
from .seal import KEYED, seal_of


def quarter_of(label: str) -> tuple[int, int]:
    """"2026Q4" -> (2026, 4); a clear error for anything else."""
    try:
        year, quarter = label.upper().split("Q")
        year, quarter = int(year), int(quarter)
        if not 1 <= quarter <= 4:
            raise ValueError
    except ValueError:
        raise DomainError(_("季度格式应为 2026Q4。")) from None
    return year, quarter


def _review_tasks(quarters) -> dict:
    """The 四.1 task (the group's quarterly report) of each (platform, quarter's start) in
    `quarters`, in one query: {(platform id, start): occurrence}; a pair without one is absent."""
    platforms, starts = {p.pk for p, _s in quarters}, {s for _p, s in quarters}
    tasks = {}
    for task in (Occurrence.objects.filter(platform__in=platforms, period_start__in=starts, case__isnull=True,
                                           obligation__responsible_role=Role.SUPERVISOR,
                                           obligation__period=PeriodKind.QUARTERLY, obligation__from_review=False)
                 .order_by("obligation__clause__ordinal", "pk")):
        tasks.setdefault((task.platform_id, task.period_start), task)  # the first clause's
    return tasks


def _quarter_bounds(platform, year, quarter) -> tuple[datetime, datetime]:
    first = date(year, 3 * quarter - 2, 1)
    return (local_midnight(first, platform.tz),
            local_midnight(next_start_date(PeriodKind.QUARTERLY, first), platform.tz))


@transaction.atomic
def review_open(*, platform: Platform, year: int, quarter: int, now, tasks=None) -> tuple[Review, bool]:
    """The quarter's review, opened if it is not yet. `tasks`: the 四.1 tasks looked up
    beforehand for many platforms (`_review_tasks`), as the sweep does."""
    start, end = _quarter_bounds(platform, year, quarter)

    def task():  # looked up only when the review is created
        found = tasks if tasks is not None else _review_tasks([(platform, start)])
        return found.get((platform.pk, start))

    review, created = Review.objects.get_or_create(
        platform=platform, year=year, quarter=quarter,
        defaults={"period_start": start, "period_end": end, "opened_at": now, "task": task})
    if created:
        audit_record(at=now, action="review.open", obj=review, platform=platform, data={"quarter": review.label})
    return review, created


def _quarter_before(day: date) -> tuple[int, int]:
    """The (year, quarter) of the quarter before the one containing `day`."""
    index = day.year * 4 + (day.month - 1) // 3 - 1
    return index // 4, index % 4 + 1


# The extreme offsets from UTC of any time zone: at any instant, every platform's local
# date is the UTC one moved by at most these.
ZONE_OFFSETS = (timedelta(hours=-12), timedelta(hours=14))
REVIEWS_PER_BATCH = 200


def reviews_open(*, now) -> int:
    """The sweep: every platform with a signed letter gets the review of the quarter
    that has just ended. Safe to run again: a review exists once per quarter.

    One query finds the platforms that may lack it: a letter signed before the quarter
    began and no review of that quarter. Near a quarter's end the platforms' zones may
    disagree on which quarter that is, so the query allows both candidate quarters (and
    the latest possible start) and each platform is checked in its own zone."""
    utc = now.astimezone(UTC)
    candidates = sorted({_quarter_before((utc + offset).date()) for offset in ZONE_OFFSETS})
    # The latest instant any zone's current quarter can have begun.
    year, quarter = candidates[-1]
    first = date(year + quarter // 4, quarter % 4 * 3 + 1, 1)
    latest_start = datetime.combine(first, time(0), tzinfo=UTC) - ZONE_OFFSETS[0]
    signed = Letter.objects.filter(platform=OuterRef("pk"), state=Letter.State.SIGNED)
    has = {label: Exists(Review.objects.filter(platform=OuterRef("pk"), year=label[0], quarter=label[1]))
           for label in candidates}
    lacking = (Platform.objects.filter(Exists(signed.filter(signed_at__lt=latest_start)))
               .annotate(first_signed=Subquery(signed.order_by("signed_at").values("signed_at")[:1]),
                         **{f"has_{i}": flag for i, flag in enumerate(has.values())})
               .filter(reduce(operator.or_, (Q(**{f"has_{i}": False}) for i in range(len(has))))))
    due = []
    for platform in lacking:
        current = period_containing(PeriodKind.QUARTERLY, now, platform.tz)
        last = (current.start.astimezone(platform.tz) - timedelta(days=1)).date()
        label = (last.year, (last.month - 1) // 3 + 1)
        if label in candidates and getattr(platform, f"has_{candidates.index(label)}"):
            continue  # its zone's last quarter has its review; the other candidate is not its own
        if platform.first_signed >= current.start:
            continue  # the letter was signed after that quarter ended
        due.append((platform, label))
    opened = 0
    # A transaction and a lookup of the 四.1 tasks per batch of platforms, not per review: at a
    # quarter's end every platform opens one (bench/scale.py). A failure rolls back its batch
    # only; the next sweep opens what is still missing.
    for batch in itertools.batched(due, REVIEWS_PER_BATCH):
        with transaction.atomic():
            tasks = _review_tasks([(platform, _quarter_bounds(platform, *label)[0]) for platform, label in batch])
            for platform, (year, quarter) in batch:
                _review, created = review_open(platform=platform, year=year, quarter=quarter, now=now, tasks=tasks)
                opened += created
    return opened


# Who does what in a review: the officer explains, the group writes its findings and
# signs, either opens a rectification action; auditors read.
WRITERS = {
    "explain": (Role.OFFICER,),
    "rectify": (Role.OFFICER, Role.SUPERVISOR),
    "finding": (Role.SUPERVISOR,),
    "sign": (Role.SUPERVISOR,),
}


def require_writer(user, review, action: str) -> None:
    """404 outside the platform, 403 for a member whose role does not do `action`."""
    if access.role_on(user, review.platform_id) not in WRITERS[action]:
        raise PermissionDenied


def _open(review: Review) -> Review:
    review = Review.objects.select_for_update(of=("self",)).select_related("platform").get(pk=review.pk)
    if review.state != Review.State.OPEN:
        raise DomainError(_("该季度审查已签署关闭,不能再修改。"))
    return review


# How many exceptions one explanation may cover: a quarter of three checks a day missed is 276.
EXPLAIN_AT_ONCE = 5000


def review_explain(*, review: Review, occurrence: Occurrence, text: str, user, now) -> ReviewExplanation:
    return review_explain_many(review=review, occurrence_ids=[occurrence.pk], text=text, user=user, now=now)[0]


@transaction.atomic
def review_explain_many(*, review: Review, occurrence_ids, text: str, user, now) -> list[ReviewExplanation]:
    """One explanation for several exceptions (all of them or none): a row per exception and
    one audit record naming them all (one record per row would take the site's audit lock
    hundreds of times for a quarter's exceptions)."""
    require_writer(user, review, "explain")
    review = _open(review)
    if not text.strip():
        raise DomainError(_("请填写说明。"), field="text")
    ids = sorted(set(occurrence_ids))
    if not ids:
        raise DomainError(_("请勾选要说明的异常。"), field="occurrence")
    if len(ids) > EXPLAIN_AT_ONCE:
        raise DomainError(_("一次最多说明 %(n)d 项异常。") % {"n": EXPLAIN_AT_ONCE}, field="occurrence")
    # One query, not the whole list: explaining a quarter's n exceptions stays linear.
    found = set(exception_occurrences(review).filter(pk__in=ids).values_list("pk", flat=True))
    if len(found) != len(ids):
        raise DomainError(_("该任务不是本季度的异常。") if len(ids) == 1 else
                          _("所选任务中有 %(n)d 项不是本季度的异常,均未保存。") % {"n": len(ids) - len(found)})
    explanations = ReviewExplanation.objects.bulk_create(
        ReviewExplanation(review=review, occurrence_id=pk, text=text.strip(), author=user, at=now) for pk in ids)
    if len(ids) == 1:
        audit_record(at=now, action="review.explain", obj=review, actor=user, platform=review.platform,
                     data={"occurrence": ids[0]})
    else:
        audit_record(at=now, action="review.explain_many", obj=review, actor=user, platform=review.platform,
                     data={"occurrences": ids})
    return explanations


@transaction.atomic
def rectification_open(*, review: Review, title: str, owner, due_date: date, user, now,
                       occurrence: Occurrence | None = None) -> Rectification:
    """A rectification action becomes its own one-time obligation, assigned to its owner,
    raised at once: a task like any other, checked off with evidence."""
    require_writer(user, review, "rectify")
    review = _open(review)
    owner_role = access.roles_of(owner).get(review.platform_id)
    if owner_role not in (Role.OFFICER, Role.STAFF, Role.SUPERVISOR):
        raise DomainError(_("责任人须是本平台的合规负责人、执行人或监督小组成员。"), field="owner")
    if not title.strip():
        raise DomainError(_("请填写整改措施。"), field="title")
    today = now.astimezone(review.platform.tz).date()
    if due_date <= today:
        raise DomainError(_("整改期限须晚于今天。"), field="due_date")
    letter = current_letter(review.platform)
    clause = review.task.clause if review.task_id else (letter.clauses.order_by("ordinal").first() if letter else None)
    if clause is None:
        raise DomainError(_("本平台尚无已签署的承诺书。"))
    n = Rectification.objects.filter(review=review).count() + 1
    starts = local_midnight(today, review.platform.tz)
    obligation = Obligation.objects.create(
        platform=review.platform, key=f"整改-{review.label}-{n}", clause=clause, title=_("整改:") + title.strip(),
        kind=Obligation.Kind.ONE_TIME, one_time_days=(due_date - today).days + 1, responsible_role=owner_role,
        evidence_required=True, evidence_description=_("整改记录"), starts_at=starts, from_review=True)
    obligation.assignees.set([owner])
    rectification = Rectification.objects.create(review=review, occurrence=occurrence, title=title.strip(),
                                                  owner=owner, due_date=due_date, obligation=obligation,
                                                  created_by=user, created_at=now)
    obligations_materialize(now=now, platform=review.platform)
    audit_record(at=now, action="review.rectification", obj=review, actor=user, platform=review.platform,
                 data={"rectification": rectification.pk, "owner": owner.get_username(), "due": due_date.isoformat()})
    return rectification


@transaction.atomic
def finding_add(*, review: Review, text: str, severity: str, user, now) -> ReviewFinding:
    require_writer(user, review, "finding")
    review = _open(review)
    if not text.strip():
        raise DomainError(_("请填写风险排查结果。"), field="text")
    if severity not in ReviewFinding.Severity.values:
        raise DomainError(_("请选择严重程度。"), field="severity")
    finding = ReviewFinding.objects.create(review=review, text=text.strip(), severity=severity, author=user, at=now)
    audit_record(at=now, action="review.finding", obj=review, actor=user, platform=review.platform,
                 data={"finding": finding.pk, "severity": severity})
    return finding


def group_size(platform_id) -> int:
    """The supervisory group's members on the platform."""
    return Membership.objects.filter(platform_id=platform_id, role=Role.SUPERVISOR).count()


def platform_quorum(platform: Platform, size: int | None = None) -> int:
    """The signatures that close a review: the officer's setting, else the whole group.
    (A group that shrinks below the setting brings it down with it: trust/membership.py.)"""
    return platform.review_quorum or (group_size(platform.pk) if size is None else size)


def quorum(review: Review) -> int:
    return platform_quorum(review.platform)


@transaction.atomic
def review_quorum_set(*, platform: Platform, quorum: int | None, user, now) -> Platform:
    """The officer sets how many of the group's signatures close a review (None: all of them),
    at least one and at most the group's size. Audited; the same value again writes nothing."""
    if access.role_on(user, platform.pk) != Role.OFFICER:
        raise PermissionDenied
    # Serialised with membership changes (trust/membership.lock_platform): the size read here holds.
    platform = Platform.objects.select_for_update(no_key=True).get(pk=platform.pk)
    size = group_size(platform.pk)
    if quorum is not None and not 1 <= quorum <= size:
        if size == 0:
            raise DomainError(_("监督小组尚无成员:请先在成员管理中添加监督小组成员。"), field="quorum")
        raise DomainError(_("签署人数须在 1 到监督小组人数 %(size)d 之间。") % {"size": size}, field="quorum")
    if platform.review_quorum == quorum:
        return platform
    audit_record(at=now, action="review.quorum", obj=platform, actor=user, platform=platform,
                 data={"from": platform.review_quorum, "to": quorum, "group": size})
    platform.review_quorum = quorum
    platform.save(update_fields=["review_quorum"])
    return platform


def unexplained(review: Review) -> list[dict]:
    return [e for e in exceptions(review) if not e["explanation"]]


def review_sign(*, review: Review, user, password: str, now, otp_code: str | None = None) -> Review:
    """A member signs, re-entering their password and, when they use an authenticator app,
    its code (checked before the signing transaction, so a wrong code stays counted against
    guessing). At quorum the review closes."""
    require_writer(user, review, "sign")
    if not user.check_password(password or ""):
        raise DomainError(_("密码不正确,签署未生效。"), field="password")
    if not second_factor.code_accepted(user, otp_code or ""):
        raise DomainError(_("动态验证码不正确,签署未生效。"), field="otp")
    return _sign(review=review, user=user, now=now)


@transaction.atomic
def _sign(*, review: Review, user, now) -> Review:
    review = _open(review)
    missing = unexplained(review)
    if missing:
        raise DomainError(_("还有 %(n)d 项异常没有说明,合规负责人说明后才能签署。") % {"n": len(missing)})
    ReviewSignature.objects.filter(review=review, user=user, voided_at__isnull=True).update(voided_at=now)
    ReviewSignature.objects.create(review=review, user=user, decision=ReviewSignature.Decision.SIGN, at=now)
    audit_record(at=now, action="review.sign", obj=review, actor=user, platform=review.platform)
    if signed_count(review) >= quorum(review):
        review_close(review=review, user=user, now=now)
    return Review.objects.get(pk=review.pk)


@transaction.atomic
def review_refuse(*, review: Review, user, reason: str, now) -> Review:
    """A refusal reopens discussion: the signatures given so far no longer count."""
    require_writer(user, review, "sign")
    review = _open(review)
    if not reason.strip():
        raise DomainError(_("拒绝签署须说明理由。"), field="reason")
    voided = ReviewSignature.objects.filter(review=review, voided_at__isnull=True).update(voided_at=now)
    ReviewSignature.objects.create(review=review, user=user, decision=ReviewSignature.Decision.REFUSE,
                                   reason=reason.strip(), at=now)
    audit_record(at=now, action="review.refuse", obj=review, actor=user, platform=review.platform,
                 data={"reason": reason.strip(), "voided": voided})
    return review


def signed_count(review: Review) -> int:
    live = ReviewSignature.objects.filter(review=review, voided_at__isnull=True)
    if live.filter(decision=ReviewSignature.Decision.REFUSE).exists():
        return 0
    return live.filter(decision=ReviewSignature.Decision.SIGN).count()


def report_file(snapshot: dict) -> SimpleUploadedFile:
    """The management report (PDF) the 四.1 task keeps as its evidence."""
    return SimpleUploadedFile(f"运营情况及风险排查结果-{snapshot['period']['label']}.pdf", review_pdf(snapshot),
                              content_type="application/pdf")


def review_close(*, review: Review, user, now: datetime) -> Review:
    """Freeze and seal. Called at quorum, inside the signing transaction."""
    review = _open(review)
    if unexplained(review):
        raise DomainError(_("还有异常没有说明,不能关闭。"))
    if signed_count(review) < quorum(review):
        raise DomainError(_("签署人数未达到法定人数(%(n)d 人)。") % {"n": quorum(review)})
    snapshot = review_snapshot(review, now=now)
    # The chain's head as it stands, witnessed in the sealed snapshot and its report (trust/audit_head.py).
    snapshot["audit_head"] = audit_head().as_dict()
    snapshot["seal_algorithm"] = KEYED
    snapshot["seal"] = seal_of(snapshot)
    review.snapshot, review.seal, review.state, review.closed_at = snapshot, snapshot["seal"], Review.State.CLOSED, now
    review.save(update_fields=["snapshot", "seal", "state", "closed_at"])
    audit_record(at=now, action="review.close", obj=review, actor=user, platform=review.platform,
                 data={"seal": review.seal, "algorithm": KEYED})
    webhooks.record(webhooks.E.REVIEW_SEALED, platform_id=review.platform_id, subject_id=review.pk, now=now,
                    payload=lambda: webhooks.review_payload(review, now))
    if review.task_id:
        task = Occurrence.objects.get(pk=review.task_id)
        report = report_file(snapshot)
        note = _("季度审查 %(label)s 已签署关闭,封签 %(seal)s") % {"label": review.label, "seal": review.seal}
        if task.is_completed:
            evidence_add(occurrence=task, user=user, files=[report], now=now)
        elif task.opens_at <= now:
            completion_with_evidence(occurrence=task, user=user, note=note, files=[report], now=now)
    return review
