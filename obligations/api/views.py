"""The API's views: each loads what its token may reach, calls the domain function the browser's view calls,
and answers JSON. Refusals are the domain's own words (errors.DomainError) with a status (docs/api.md)."""

import re
from datetime import date, timedelta

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import trans_real
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from ..cases.services import case_open
from ..errors import DomainError
from ..forms.work import CompletionForm
from ..models import Case, Occurrence, Platform
from ..oversight.dashboard import clause_figures, dashboard_page
from ..oversight.drilldown import OccurrenceFilter
from ..oversight.period_status import as_of_text, period_status
from ..schedule.periods import PeriodKind, local_midnight, period_containing
from ..trust import access
from ..trust.api_tokens import via
from ..trust.audit import acting_through
from ..work.evidence import completion_with_evidence
from . import serializers as s
from .errors import Refused, bad_input, refused

IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,60}")  # printable ASCII, no spaces; stored as api:<key>


def caller_language(request) -> str:
    """Accept-Language, else Chinese: an API has no account choice or cookie to go by."""
    for code, _q in trans_real.parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        if code == "*":
            continue
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return "zh-hans"


class TokenView(APIView):
    """Answers in the caller's language, times in the token's platform's zone; `scopes`: any one of them."""

    scopes = ("read",)

    def initial(self, request, *args, **kwargs):
        translation.activate(caller_language(request))
        super().initial(request, *args, **kwargs)
        timezone.activate(request.auth.platform.tz)

    def finalize_response(self, request, response, *args, **kwargs):
        timezone.deactivate()
        # The caller is a token, not a person's session: the middleware after the view (the language cookie of a
        # signed-in user) must not take the token's maker for someone browsing.
        request._request.user = AnonymousUser()
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Language"] = translation.get_language()
        return response


def platform_of(request, slug) -> Platform:
    """The token's own platform; any other, existing or not, is 404."""
    platform = request.auth.platform
    if slug != platform.slug:
        raise exceptions.NotFound(_("未找到,或不属于此令牌的平台。"))
    return platform


def occurrence_of(request, pk) -> Occurrence:
    occ = access.occurrence_for(request.user, pk)  # its maker's role checked, as every page checks it
    if occ.platform_id != request.auth.platform_id:  # the maker's other platforms are not the token's
        raise exceptions.NotFound(_("未找到,或不属于此令牌的平台。"))
    return occ


def case_of(request, pk) -> Case:
    case = Case.objects.select_related("platform", "assignee").filter(pk=pk, platform_id=request.auth.platform_id).first()
    if case is None:
        raise exceptions.NotFound(_("未找到,或不属于此令牌的平台。"))
    access.role_on(request.user, case.platform_id)
    return case


class Cursor(CursorPagination):
    ordering = ("due_at", "id")
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise exceptions.ValidationError({"cursor": [_("翻页标记无效:请使用上一页返回的 next 链接。")]}) from None


FILTERS = {"state": "state", "obligation": "obligation", "clause": "clause", "due_from": "date_from",
           "due_to": "date_to"}


class OccurrenceList(TokenView):
    scopes = ("read",)

    @extend_schema(parameters=[s.OccurrenceQuery], responses=s.OccurrenceSerializer(many=True))
    def get(self, request, slug):
        platform = platform_of(request, slug)
        unknown = sorted(set(request.query_params) - set(FILTERS) - {"cursor", "page_size"})
        if unknown:  # a misspelt filter must not widen into every task
            raise exceptions.ValidationError({name: [_("未知的查询参数。")] for name in unknown})
        form = OccurrenceFilter({FILTERS[k]: v for k, v in request.query_params.items() if k in FILTERS},
                                platform=platform)
        if not form.is_valid():
            back = {v: k for k, v in FILTERS.items()}
            raise bad_input({back.get(k, k): v for k, v in form.errors.items()})
        paginator = Cursor()
        page = paginator.paginate_queryset(form.queryset(now=timezone.now()), request, view=self)
        return paginator.get_paginated_response(s.OccurrenceSerializer(page, many=True).data)


class OccurrenceDetail(TokenView):
    scopes = ("read", "complete")

    @extend_schema(responses=s.OccurrenceDetailSerializer)
    def get(self, request, pk):
        return Response(s.OccurrenceDetailSerializer(occurrence_of(request, pk)).data)


def complete(request, occ, *, code_of_refusal=None) -> Response:
    """A check-off as the browser's view makes it: CompletionForm, then completion_with_evidence, each audit
    record naming the token. A task no longer to do, or not yet open, is a 409; bad input a 400."""
    access.require_complete(request.user, occ)
    form = CompletionForm(request.data, request.FILES)
    if not form.is_valid():
        raise bad_input(form.errors)
    now = timezone.now()
    try:
        with acting_through(via(request.auth)):
            completion = completion_with_evidence(occurrence=occ, user=request.user, note=form.cleaned_data["note"],
                                                  files=form.cleaned_data["files"], now=now)
    except DomainError as exc:
        occ.refresh_from_db()
        if occ.state not in Occurrence.TODO_STATES:
            raise refused(exc, code="already_done", status_code=status.HTTP_409_CONFLICT) from None
        if occ.opens_at > now:
            raise refused(exc, code="not_open", status_code=status.HTTP_409_CONFLICT) from None
        raise refused(exc) from None
    # `occ` as it now stands: occurrence_complete wrote its new state onto it.
    return Response({"occurrence": s.OccurrenceDetailSerializer(occ).data, "completion": completion.pk,
                     "late": completion.late}, status=status.HTTP_201_CREATED)


class OccurrenceComplete(TokenView):
    scopes = ("complete",)

    @extend_schema(request={"multipart/form-data": s.CompletionRequest, "application/json": s.CompletionRequest},
                   responses={201: s.CompletionResult})
    def post(self, request, pk):
        return complete(request, occurrence_of(request, pk))


def _same_request(case: Case, data: dict) -> bool:
    return (case.kind, case.description, case.severity, case.channel) == (
        data["kind"], data["description"].strip(), data["severity"], data["channel"])


class CaseCreate(TokenView):
    scopes = ("cases",)

    @extend_schema(request=s.CaseCreateSerializer, responses={201: s.CaseSerializer, 200: s.CaseSerializer},
                   parameters=[OpenApiParameter("Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER,
                                                required=True,
                                                description="One per case to open: a retry with it returns the same "
                                                            "case (200) instead of a second one.")])
    def post(self, request, slug):
        platform = platform_of(request, slug)
        key = request.headers.get("Idempotency-Key", "").strip()
        if not IDEMPOTENCY_KEY.fullmatch(key):
            raise Refused(_("请提供 Idempotency-Key 请求头:1 至 60 个可打印 ASCII 字符(不含空格),每个案件一个,重试时不变。"),
                          code="idempotency_key_required")
        serializer = s.CaseCreateSerializer(data=request.data)
        if not serializer.is_valid():
            raise bad_input(serializer.errors)
        d, now = serializer.validated_data, timezone.now()
        try:
            with acting_through(via(request.auth)):
                case, created = case_open(
                    platform=platform, kind=d["kind"], description=d["description"],
                    received_at=d.get("received_at") or now, now=now, user=request.user, channel=d["channel"],
                    reporter_name=d["reporter_name"], reporter_contact=d["reporter_contact"], severity=d["severity"],
                    submission_key=f"api:{key}")
        except DomainError as exc:
            raise refused(exc) from None
        if not created and not _same_request(case, d):
            raise Refused(_("此 Idempotency-Key 已用于另一内容不同的案件(%(number)s);新案件请使用新的键。")
                          % {"number": case.number}, code="idempotency_key_reused", status_code=status.HTTP_409_CONFLICT)
        response = Response(s.CaseSerializer(case).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
        if not created:
            response["Idempotent-Replayed"] = "true"
        return response


class CaseDetail(TokenView):
    scopes = ("read", "cases")

    @extend_schema(responses=s.CaseSerializer)
    def get(self, request, pk):
        return Response(s.CaseSerializer(case_of(request, pk)).data)


class CaseStep(TokenView):
    """A case's clock of one step done (respond: the response; decide: the decision, its note required)."""

    scopes = ("cases",)

    @extend_schema(request={"multipart/form-data": s.StepRequest, "application/json": s.StepRequest},
                   responses={201: s.CompletionResult})
    def post(self, request, pk, step):
        case = case_of(request, pk)
        clocks = [c for c in case.clocks.select_related("obligation", "clause", "platform").order_by("due_at", "id")
                  if c.step == step]
        if not clocks:
            raise Refused(_("该案件没有“%(step)s”时限。") % {"step": Occurrence.STEP_LABELS.get(step, step)},
                          code="not_found", status_code=status.HTTP_404_NOT_FOUND)
        todo = [c for c in clocks if c.state in Occurrence.TODO_STATES]
        return complete(request, (todo or clocks)[0])


PERIOD = re.compile(r"(\d{4})-(?:(\d{2})|Q([1-4]))")


class Figures(TokenView):
    scopes = ("read",)

    @extend_schema(parameters=[OpenApiParameter("period", OpenApiTypes.STR, description="2026-12 (a month) or "
                                                "2026-Q4 (a quarter); the current month if left out.")],
                   responses=s.FiguresSerializer)
    def get(self, request, slug):
        platform = platform_of(request, slug)
        tz, now = platform.tz, timezone.now()
        text = request.query_params.get("period") or f"{now.astimezone(tz):%Y-%m}"
        match = PERIOD.fullmatch(text)
        month = int(match[2]) if match and match[2] else None
        if not match or (month is not None and not 1 <= month <= 12) or not 2000 <= int(match[1]) <= 2100:
            raise exceptions.ValidationError({"period": [_("期间格式应为 2026-12(月)或 2026-Q4(季度)。")]})
        kind = PeriodKind.MONTHLY if month else PeriodKind.QUARTERLY
        first = date(int(match[1]), month or (int(match[3]) - 1) * 3 + 1, 1)
        period = period_containing(kind, local_midnight(first, tz), tz)
        if period.start > now:
            raise Refused(_("期间 %(period)s 尚未开始,还没有数字。") % {"period": text}, code="period_not_begun")
        page = dashboard_page(platform, now=now)  # the page's own figures: the cards, and this month's and quarter's
        if period.start <= now < period.end:
            rows = page.rows
        else:
            rows, _m, _q = clause_figures(platform, now=period.start, tz=tz)
        column = "month" if kind == PeriodKind.MONTHLY else "quarter"
        state = period_status(period.end, now, tz)
        clauses = []
        for row in rows:
            f = getattr(row, column)
            clauses.append({"clause": row.number, "title": row.title, "due": f.due, "done": f.done,
                            "done_late": f.done_late, "missed": f.missed, "open": f.open, "waived": f.waived,
                            "pending": f.pending, "rate": f.rate})
        last = (period.end.astimezone(tz) - timedelta(days=1)).date()
        return Response(s.FiguresSerializer({
            "platform": platform.slug, "period": text, "first_day": period.start_date, "last_day": last,
            "running": state["running"], "as_of": now, "notice": as_of_text(state, tz), "clauses": clauses,
            "now": {"overdue": page.overdue.count, "due_soon": page.due_soon.count, "open_cases": page.cases.count},
        }).data)


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
@authentication_classes([])
@permission_classes([AllowAny])
def not_found(request, rest=""):
    """Any other path under /api/: a JSON 404, not the site's page."""
    translation.activate(caller_language(request))
    raise exceptions.NotFound(_("没有这个接口。接口列表见 /api/v1/schema/。"))
