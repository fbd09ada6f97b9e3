"""The read-only pages of a letter: a draft's preview (what it would schedule), its changes
against the version it amends, every version of a platform's letter, and one version.
Every member of the platform reads them (404 for strangers); the officer also sees the
links to edit a draft."""

from dataclasses import dataclass, field

from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from ..forms.drafting import TIERS
from ..forms.letters import FirstPeriodForm
from ..letters.consistency import clause_mismatches
from ..letters.diff import baseline, letter_diff, obligations_ending
from ..letters.presentation import duration, letter_page, obligation_line
from ..models import Letter, Obligation, Occurrence, Platform, Role
from ..oversight.task_lines import weekday
from ..trust import access
from ..wording import enumeration
from ..work.preview import letter_preview

STATUS = {"added": gettext_lazy("新增"), "removed": gettext_lazy("删除"), "changed": gettext_lazy("修改"),
          "same": gettext_lazy("未变")}


def _letter(request, pk) -> tuple[Letter, str]:
    """A letter of the user's platform (404 for strangers), and the user's role there."""
    letter = get_object_or_404(Letter.objects.select_related("platform", "signed_by", "amends"), pk=pk)
    return letter, access.role_on(request.user, letter.platform_id)


# Rows the templates show ---------------------------------------------------------------

@dataclass
class FieldChange:
    label: str
    before: str
    after: str


@dataclass
class ObligationChangeRow:
    key: str
    title: str
    status: str
    status_label: str
    fields: list[FieldChange] = field(default_factory=list)


@dataclass
class ClauseChangeRow:
    number: str
    status: str
    status_label: str
    before: str
    after: str
    removed_reason: str
    obligations: list[ObligationChangeRow]
    mismatches: list[str] = field(default_factory=list)  # numbers its words state otherwise


@dataclass
class VersionRow:
    letter: Letter
    url: str
    changes_url: str
    edit_url: str


# Values in words ---------------------------------------------------------------------

def deadline_text(steps) -> str:
    """响应 24小时;处理意见 7日(严重 5个工作日,特别严重 24小时)"""
    parts = []
    for step in steps or []:
        text = f"{Occurrence.STEP_LABELS.get(step.get('step'), step.get('step'))} {_amount(step)}"
        tiers = [f"{TIERS[t]} {_amount(tier)}" for t, tier in (step.get("tiers") or {}).items() if t in TIERS]
        parts.append(text + (f"({','.join(tiers)})" if tiers else ""))
    return ";".join(parts)


def _amount(step) -> str:
    return duration(step.get("amount"), step.get("unit"))


CHOICES = {"kind": dict(Obligation.Kind.choices), "period": dict(Obligation.Period.choices),
           "trigger": dict(Obligation.Trigger.choices), "responsible_role": dict(Role.choices)}


def value_text(name: str, value) -> str:
    """An obligation field's value as the officer reads it."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if name in CHOICES:
        return str(CHOICES[name].get(value, value))
    if name == "times_of_day":
        return enumeration(value)
    if name == "deadlines":
        return deadline_text(value)
    return str(value)


def field_label(name: str) -> str:
    return str(Obligation._meta.get_field(name).verbose_name)


def _local(instant) -> str:
    return f"{instant:%m-%d} {weekday(instant)} {instant:%H:%M}"


def _local_date(instant) -> str:
    return f"{instant:%Y-%m-%d} {weekday(instant)} {instant:%H:%M}" if instant else "—"


# Preview and changes -------------------------------------------------------------------

@require_GET
def letter_preview_page(request, pk):
    letter, role = _letter(request, pk)
    if letter.is_frozen:
        return redirect("letter-version", pk=letter.pk)
    preview = letter_preview(letter, now=timezone.now())
    several = {o.key for o in preview.scheduled if (o.fields.get("count") or 1) > 1}
    tasks = [{"opens": _local(t.opens_at), "due": _local(t.due_at), "clause": t.clause, "key": t.key,
              "title": f"{t.title} #{t.sequence}" if t.key in several else t.title, "due_iso": t.due_at.isoformat()}
             for t in preview.tasks]
    counts = [{"clause": o.clause, "title": o.title, "key": o.key, "line": obligation_line(o.fields),
               "counts": o.counts, "total": o.total} for o in preview.scheduled]
    events = [{"clause": o.clause, "title": o.title, "key": o.key,
               "trigger": value_text("trigger", o.fields["trigger"]),
               "deadlines": deadline_text(o.fields["deadlines"])} for o in preview.events]
    unscheduled = [{"clause": o.clause, "title": o.title, "key": o.key, "problem": o.problem}
                   for o in preview.unscheduled]
    under_way = [{"clause": o.clause, "title": o.title, "key": o.key,
                  **{choice: _local_date(due) for choice, due in o.first_due.items()}}
                 for o in preview.scheduled if o.owes_period_under_way]
    return render(request, "obligations/drafting/preview.html", {
        "letter": letter, "platform": letter.platform, "preview": preview, "tasks": tasks, "counts": counts,
        "events": events, "unscheduled": unscheduled, "months": [f"{m:%Y-%m}" for m in preview.months],
        "month_totals": preview.month_totals, "grand_total": sum(preview.month_totals), "start": _local(preview.start), "until": _local(preview.until),
        "is_officer": role == Role.OFFICER, "active": "preview", "under_way": under_way,
        "first_period_form": FirstPeriodForm(initial={"first_period": letter.first_period}),
        "zone": letter.platform.timezone,
    })


def change_rows(changes, after: Letter) -> list[ClauseChangeRow]:
    """The changed clauses of `letter_diff`, their fields in words; a removal with its reason; and
    any clause whose words state a number its obligations do not keep."""
    clauses = {c.number: c for c in after.clauses.all()}
    rows = []
    for change in changes:
        clause = clauses.get(change.number)
        mismatches = clause_mismatches(clause, after) if clause and not clause.is_removed else []
        if not (change.changed or mismatches):
            continue
        obligations = [ObligationChangeRow(o.key, o.title, o.status, str(STATUS[o.status]), [
            FieldChange(field_label(name), value_text(name, a), value_text(name, b))
            for name, (a, b) in o.fields.items()]) for o in change.obligations]
        rows.append(ClauseChangeRow(change.number, change.status, str(STATUS[change.status]), change.before,
                                    change.after, clause.removed_reason if clause else "", obligations, mismatches))
    return rows


@require_GET
def letter_changes(request, pk):
    letter, role = _letter(request, pk)
    before = baseline(letter)
    changes = letter_diff(before, letter) if before else []
    return render(request, "obligations/drafting/changes.html", {
        "letter": letter, "platform": letter.platform, "before": before, "rows": change_rows(changes, letter),
        "changed": sum(c.changed for c in changes), "unchanged": sum(not c.changed for c in changes),
        "ending": obligations_ending(letter),
        "is_officer": role == Role.OFFICER, "active": "changes",
    })


# Versions ------------------------------------------------------------------------------

@require_GET
def letter_versions(request, slug):
    platform = get_object_or_404(Platform, slug=slug)
    role = access.role_on(request.user, platform.pk)
    letters = Letter.objects.filter(platform=platform).select_related("signed_by", "amends").order_by("-version")
    rows = [VersionRow(letter, reverse("letter-version", args=[letter.pk]),
                       reverse("letter-changes", args=[letter.pk]) if letter.amends_id else "",
                       reverse("letter-edit", args=[letter.pk]) if not letter.is_frozen and role == Role.OFFICER
                       else "")
            for letter in letters]
    return render(request, "obligations/drafting/versions.html", {"platform": platform, "rows": rows})


@require_GET
def letter_version(request, pk):
    letter, role = _letter(request, pk)
    return render(request, "obligations/drafting/version.html", {
        **letter_page(letter), "platform": letter.platform, "is_officer": role == Role.OFFICER,
        "active": "version",
    })
