"""What the API reads and writes. Times are ISO 8601 in the platform's local time with its offset (the views
activate the token's platform zone); codes (states, kinds, steps) stay codes, each beside its label in the
caller's language."""

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..cases.services import REGISTERED_CHANNELS
from ..models import Case, Evidence, Occurrence
from ..schedule.bounds import EARLIEST, LATEST, OUT_OF_BOUNDS, check_bounds


class BoundedDateTimeField(serializers.DateTimeField):
    """A time whose date lies within schedule/bounds.py's limits, as the pages' fields (forms/bounds.py): Python
    parses 0001-01-01 and 9999-12-31 but cannot move them to UTC."""

    default_validators = [check_bounds]

    def to_internal_value(self, value):
        try:
            return super().to_internal_value(value)
        except OverflowError:
            raise serializers.ValidationError(OUT_OF_BOUNDS % {"earliest": EARLIEST.isoformat(),
                                                               "latest": LATEST.isoformat()}) from None


class EvidenceSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name")

    class Meta:
        model = Evidence
        fields = ["id", "name", "sha256", "size", "content_type", "uploaded_at", "keep_until"]


class OccurrenceSerializer(serializers.ModelSerializer):
    platform = serializers.CharField(source="platform.slug")
    obligation = serializers.CharField(source="obligation.key")
    obligation_title = serializers.CharField(source="obligation.title")
    clause = serializers.CharField(source="clause.number")
    state_label = serializers.CharField(source="get_state_display")
    step = serializers.CharField(help_text="A case clock's step (respond, decide, recover, fix, close), else empty.")
    completed_by = serializers.CharField(source="completed_by.get_username", default=None)
    evidence_required = serializers.BooleanField(source="obligation.evidence_required")

    class Meta:
        model = Occurrence
        fields = ["id", "platform", "obligation", "obligation_title", "clause", "case", "step", "sequence", "state",
                  "state_label", "opens_at", "due_at", "close_at", "completed_at", "completed_by", "evidence_required"]


class OccurrenceDetailSerializer(OccurrenceSerializer):
    evidence = serializers.SerializerMethodField()

    class Meta(OccurrenceSerializer.Meta):
        fields = OccurrenceSerializer.Meta.fields + ["evidence"]

    @extend_schema_field(EvidenceSerializer(many=True))
    def get_evidence(self, occ):
        live = occ.evidence.filter(completion__reopened_at__isnull=True).order_by("uploaded_at", "id")
        return EvidenceSerializer(live, many=True).data


class OccurrenceQuery(serializers.Serializer):
    """The list's filters, documented; drilldown.OccurrenceFilter checks them as the task list's page does."""

    state = serializers.ChoiceField(choices=Occurrence.State.choices, required=False)
    obligation = serializers.CharField(required=False, help_text="An obligation's key, e.g. security_daily_check.")
    clause = serializers.CharField(required=False, help_text="A clause number, e.g. 三.2.")
    due_from = serializers.DateField(required=False, help_text="First local day of the due date, included.")
    due_to = serializers.DateField(required=False, help_text="Last local day of the due date, included.")
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=500)


class CompletionRequest(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    files = serializers.ListField(child=serializers.FileField(), required=False,
                                  help_text="Evidence files (multipart/form-data), each checked as the browser's.")


class CompletionResult(serializers.Serializer):
    occurrence = OccurrenceDetailSerializer()
    completion = serializers.IntegerField()
    late = serializers.BooleanField()


class CaseCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Case.Kind.choices)
    description = serializers.CharField(max_length=settings.PLEDGE_CASE_TEXT_MAX)
    channel = serializers.ChoiceField(choices=[(c.value, c.label) for c in REGISTERED_CHANNELS],
                                      default=Case.Channel.OTHER)
    severity = serializers.ChoiceField(choices=Case.Severity.choices, default=Case.Severity.ORDINARY)
    reporter_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    reporter_contact = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    received_at = BoundedDateTimeField(required=False, help_text="When it came in; now if left out.")


class ClockSerializer(serializers.ModelSerializer):
    obligation = serializers.CharField(source="obligation.key")
    step = serializers.CharField()
    step_label = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")

    class Meta:
        model = Occurrence
        fields = ["id", "obligation", "step", "step_label", "state", "state_label", "due_at", "completed_at"]


class CaseSerializer(serializers.ModelSerializer):
    platform = serializers.CharField(source="platform.slug")
    kind_label = serializers.CharField(source="get_kind_display")
    state_label = serializers.CharField(source="get_state_display")
    assignee = serializers.CharField(source="assignee.get_username", default=None)
    clocks = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = ["id", "platform", "number", "public_ref", "kind", "kind_label", "severity", "channel", "state",
                  "state_label", "description", "reporter_name", "reporter_contact", "received_at", "closed_at",
                  "assignee", "clocks"]

    @extend_schema_field(ClockSerializer(many=True))
    def get_clocks(self, case):
        clocks = case.clocks.select_related("obligation").order_by("due_at", "id")
        return ClockSerializer(clocks, many=True).data


class StepRequest(CompletionRequest):
    """A case's step done: the response or the decision (its note is the decision, required)."""


class ClauseFigures(serializers.Serializer):
    clause = serializers.CharField()
    title = serializers.CharField()
    due = serializers.IntegerField()
    done = serializers.IntegerField()
    done_late = serializers.IntegerField()
    missed = serializers.IntegerField()
    open = serializers.IntegerField()
    waived = serializers.IntegerField()
    pending = serializers.IntegerField(help_text="Due by the schedule, not raised yet.")
    rate = serializers.FloatField(allow_null=True, help_text="(done + done_late) / (done + done_late + missed).")


class FiguresSerializer(serializers.Serializer):
    platform = serializers.CharField()
    period = serializers.CharField()
    first_day = serializers.DateField()
    last_day = serializers.DateField()
    running = serializers.BooleanField(help_text="True while the period is not over: figures as of `as_of`.")
    as_of = serializers.DateTimeField()
    notice = serializers.CharField(help_text="Says so when the period is not over; else empty.")
    clauses = ClauseFigures(many=True)
    now = serializers.DictField(child=serializers.IntegerField(),
                                help_text="The dashboard's cards as of now: overdue, due_soon, open_cases.")
