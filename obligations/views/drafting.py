"""The officer's clause editor on a draft letter, and discarding the draft (its preview, its
changes and the versions of a letter are read in views/letter_versions.py).

Every member of the platform reads (404 for strangers); only the officer edits (403).
An edit asked by htmx answers with the clause's row; a plain POST with a redirect, or
with the editor page showing the row and its errors, nothing typed lost.
"""

from dataclasses import dataclass, field

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from ..errors import DomainError
from ..forms.drafting import ClauseAddForm, ClauseForm, ClauseRemoveForm, ObligationSpecForm
from ..letters import drafting
from ..letters import template as tpl
from ..letters.consistency import clause_mismatches
from ..letters.presentation import obligation_line
from ..letters.services import letter_discard
from ..models import Clause, Letter, Obligation, Role
from ..trust import access

NEW_SPEC = {"kind": Obligation.Kind.CALENDAR, "period": Obligation.Period.DAILY, "responsible_role": Role.STAFF,
            "evidence_required": True, "retention_years": tpl.SPEC_DEFAULTS["retention_years"]}


# Rows the templates show ---------------------------------------------------------------

@dataclass
class SpecRow:
    clause: Clause
    index: int
    key: str
    line: str
    form: ObligationSpecForm | None = None  # open for editing


@dataclass
class ClauseRow:
    clause: Clause
    specs: list[SpecRow]
    form: ClauseForm | None = None  # its text open for editing
    remove_form: ClauseRemoveForm | None = None  # the removal's reason (with its error when refused)
    new_spec: ObligationSpecForm | None = None  # an obligation being added
    mismatches: list[str] = field(default_factory=list)  # numbers its words state otherwise


# Access --------------------------------------------------------------------------------

def _draft(request, pk) -> Letter:
    letter = get_object_or_404(Letter.objects.select_related("platform", "amends"), pk=pk)
    access.require_role(request.user, letter.platform_id, Role.OFFICER)
    return letter


def _clause(request, pk) -> tuple[Clause, Letter]:
    clause = get_object_or_404(Clause.objects.select_related("letter__platform"), pk=pk)
    access.require_role(request.user, clause.letter.platform_id, Role.OFFICER)
    return clause, clause.letter


def _frozen(request, letter, message=None):
    """A signed version is not edited: say so on its read-only page."""
    messages.error(request, message or _("承诺书第%(version)s版已签署,不能修改;如需变更,请发起修订(生成新版本)。")
                   % {"version": letter.version})
    url = reverse("letter-version", args=[letter.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _refusal(request, letter, exc: DomainError, form):
    """A service's refusal: beside its field on the form; a letter signed meanwhile goes to its page."""
    if not Letter.objects.filter(pk=letter.pk, state=Letter.State.DRAFT).exists():
        return _frozen(request, letter, exc.message)
    form.add_error(form.error_field(exc.field) if hasattr(form, "error_field") else
                   (exc.field if exc.field in form.fields else None), exc.message)
    return None


# The editor ----------------------------------------------------------------------------

def _spec_line(spec: dict, letter: Letter) -> str:
    """The obligation in one line, its blanks filled; an empty blank shows its reference."""
    resolved = tpl.resolve_spec(spec, letter.values, letter.blanks)
    return obligation_line({k: (spec[k] if v is None and k in spec else v) for k, v in resolved.items()})


def _clause_row(clause: Clause, letter: Letter, *, form=None, remove_form=None, spec_form=None,
                spec_index=None) -> ClauseRow:
    row = ClauseRow(clause, [SpecRow(clause, i, s["key"], _spec_line(s, letter)) for i, s in enumerate(clause.specs)],
                    form=form, remove_form=remove_form or ClauseRemoveForm(auto_id=f"c{clause.pk}-remove-%s"),
                    mismatches=[] if clause.is_removed else clause_mismatches(clause, letter))
    if spec_form is not None and spec_index is not None:
        row.specs[spec_index].form = spec_form
    elif spec_form is not None:
        row.new_spec = spec_form
    return row


def _editor_page(request, letter: Letter, row: ClauseRow | None = None, add_form=None, status=200):
    sections = {}
    for clause in letter.clauses.order_by("ordinal"):
        shown = row if row is not None and row.clause.pk == clause.pk else _clause_row(clause, letter)
        sections.setdefault(clause.section, {"number": clause.section, "rows": [],
                                             "title": letter.sections.get(clause.section, clause.section_title)})
        sections[clause.section]["rows"].append(shown)
    return render(request, "obligations/drafting/editor.html", {
        "letter": letter, "platform": letter.platform, "sections": list(sections.values()),
        "add_form": add_form or ClauseAddForm(sections=letter.sections),
        # Each value as the letter's text reads it (a period by its name, not its code).
        "blanks": [{"ref": "{%s}" % b["name"], "label": b["label"],
                    "value": tpl.blank_display(b, letter.values[b["name"]]) if letter.values.get(b["name"]) else None}
                   for b in letter.blanks],
        "active": "clauses",
    }, status=status)


def _answer(request, letter: Letter, row: ClauseRow):
    """The clause's row in its state: alone to htmx, within the editor page otherwise."""
    if request.htmx:
        return render(request, "obligations/drafting/partials/clause_row.html", {"row": row, "letter": letter})
    return _editor_page(request, letter, row)


def _saved(request, letter: Letter, clause: Clause, message: str):
    if request.htmx:
        clause = Clause.objects.get(pk=clause.pk)
        return render(request, "obligations/drafting/partials/clause_row.html", {
            "row": _clause_row(clause, letter), "letter": letter, "notice": message})
    messages.success(request, message)
    return redirect(reverse("clause-editor", args=[letter.pk]) + f"#clause-{clause.pk}")


@require_GET
def clause_editor(request, pk):
    letter = _draft(request, pk)
    if letter.is_frozen:
        return _frozen(request, letter)
    return _editor_page(request, letter)


@require_POST
def clause_add_view(request, pk):
    letter = _draft(request, pk)
    form = ClauseAddForm(request.POST, sections=letter.sections)
    if form.is_valid():
        try:
            clause = drafting.clause_add(letter=letter, section=form.cleaned_data["section"],
                                         text=form.cleaned_data["text"], title=form.cleaned_data["title"],
                                         user=request.user, now=timezone.now())
            messages.success(request, _("已添加条款%(number)s,可为它添加义务。") % {"number": clause.number})
            return redirect(reverse("clause-editor", args=[letter.pk]) + f"#clause-{clause.pk}")
        except DomainError as exc:
            if (refused := _refusal(request, letter, exc, form)) is not None:
                return refused
    return _editor_page(request, letter, add_form=form)


@require_GET
def clause_row(request, pk):
    """The clause's row as it stands (htmx's 取消); a plain request goes to the editor."""
    clause, letter = _clause(request, pk)
    if not request.htmx:
        return redirect(reverse("clause-editor", args=[letter.pk]) + f"#clause-{clause.pk}")
    return _answer(request, letter, _clause_row(clause, letter))


@require_http_methods(["GET", "POST"])
def clause_edit(request, pk):
    clause, letter = _clause(request, pk)
    if letter.is_frozen:
        return _frozen(request, letter)
    initial = {"title": clause.title, "text": clause.source, "addendum": clause.addendum_source}
    form = ClauseForm(request.POST or None, initial=initial, auto_id=f"c{clause.pk}-%s")
    if request.method == "POST" and form.is_valid():
        try:
            clause = drafting.clause_update(clause=clause, text=form.cleaned_data["text"],
                                            addendum=form.cleaned_data["addendum"], title=form.cleaned_data["title"],
                                            user=request.user, now=timezone.now())
            return _saved(request, letter, clause, _("条款%(number)s已保存。") % {"number": clause.number})
        except DomainError as exc:
            if (refused := _refusal(request, letter, exc, form)) is not None:
                return refused
    return _answer(request, letter, _clause_row(clause, letter, form=form))


@require_POST
def clause_remove_view(request, pk):
    clause, letter = _clause(request, pk)
    form = ClauseRemoveForm(request.POST, auto_id=f"c{clause.pk}-remove-%s")
    if form.is_valid():
        try:
            clause = drafting.clause_remove(clause=clause, reason=form.cleaned_data["reason"], user=request.user,
                                            now=timezone.now())
            return _saved(request, letter, clause, _("条款%(number)s已删除,签署后不再产生任务。")
                          % {"number": clause.number})
        except DomainError as exc:
            if (refused := _refusal(request, letter, exc, form)) is not None:
                return refused
    return _answer(request, letter, _clause_row(clause, letter, remove_form=form))


@require_POST
def clause_restore_view(request, pk):
    clause, letter = _clause(request, pk)
    try:
        clause = drafting.clause_restore(clause=clause, user=request.user, now=timezone.now())
    except DomainError as exc:
        return _frozen(request, letter, exc.message)
    return _saved(request, letter, clause, _("条款%(number)s已恢复。") % {"number": clause.number})


def _spec_form(clause: Clause, data=None, index: int | None = None) -> ObligationSpecForm:
    letter = clause.letter
    initial = ObligationSpecForm.initial_from_spec(clause.specs[index]) if index is not None else NEW_SPEC
    return ObligationSpecForm(data, initial=initial, blanks=letter.blanks, values=letter.values,
                              auto_id=f"c{clause.pk}-{'new' if index is None else index}-%s")


def _spec_of(clause: Clause, index: int, was: str | None) -> dict:
    """The spec at `index`, checked to be the one the officer saw (`was`, its key)."""
    if not 0 <= index < len(clause.specs) or (was is not None and clause.specs[index]["key"] != was):
        raise DomainError(_("该义务已被修改或删除,请刷新页面后再试。"))
    return clause.specs[index]


@require_http_methods(["GET", "POST"])
def obligation_new(request, pk):
    clause, letter = _clause(request, pk)
    if letter.is_frozen:
        return _frozen(request, letter)
    form = _spec_form(clause, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            clause = drafting.obligation_spec_save(clause=clause, spec=form.spec(), user=request.user,
                                                   now=timezone.now())
            return _saved(request, letter, clause, _("已为条款%(number)s添加义务“%(title)s”。")
                          % {"number": clause.number, "title": form.cleaned_data["title"]})
        except DomainError as exc:
            if (refused := _refusal(request, letter, exc, form)) is not None:
                return refused
    return _answer(request, letter, _clause_row(clause, letter, spec_form=form))


@require_http_methods(["GET", "POST"])
def obligation_edit(request, pk, index):
    clause, letter = _clause(request, pk)
    if letter.is_frozen:
        return _frozen(request, letter)
    if not 0 <= index < len(clause.specs):
        raise Http404
    form = _spec_form(clause, request.POST or None, index)
    if request.method == "POST" and form.is_valid():
        try:
            _spec_of(clause, index, request.POST.get("was"))
            clause = drafting.obligation_spec_save(clause=clause, spec=form.spec(), index=index, user=request.user,
                                                   now=timezone.now())
            return _saved(request, letter, clause, _("义务“%(title)s”已保存。") % {"title": form.cleaned_data["title"]})
        except DomainError as exc:
            if (refused := _refusal(request, letter, exc, form)) is not None:
                return refused
    return _answer(request, letter, _clause_row(clause, letter, spec_form=form, spec_index=index))


@require_POST
def obligation_remove(request, pk, index):
    clause, letter = _clause(request, pk)
    try:
        spec = _spec_of(clause, index, request.POST.get("was"))
        clause = drafting.obligation_spec_remove(clause=clause, index=index, user=request.user, now=timezone.now())
    except DomainError as exc:
        if not Letter.objects.filter(pk=letter.pk, state=Letter.State.DRAFT).exists():
            return _frozen(request, letter, exc.message)
        if request.htmx:
            return render(request, "obligations/drafting/partials/clause_row.html", {
                "row": _clause_row(clause, letter), "letter": letter, "problem": exc.message})
        messages.error(request, exc.message)
        return redirect(reverse("clause-editor", args=[letter.pk]) + f"#clause-{clause.pk}")
    return _saved(request, letter, clause, _("义务“%(title)s”已删除。") % {"title": spec["title"]})


@require_POST
def letter_discard_view(request, pk):
    letter = _draft(request, pk)
    try:
        letter_discard(letter=letter, user=request.user, now=timezone.now())
    except DomainError as exc:
        return _frozen(request, letter, exc.message)
    messages.success(request, _("已放弃第%(version)s版草稿。") % {"version": letter.version})
    return redirect("letter-detail", slug=letter.platform.slug)
