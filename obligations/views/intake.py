"""Letter intake: the officer pastes or uploads any letter, reviews the proposed clauses
and obligations beside the text with what was recognised highlighted, corrects them
and accepts. Nothing is stored before the officer accepts."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from ..errors import DomainError
from ..forms.intake import LetterIntakeForm, ProposalForm
from ..letters import furniture
from ..letters.intake import apply_edits, letter_create_own, propose
from ..letters.parser import read_document
from ..letters.reading import LetterReadError, check_clauses, check_file_size, read_letter, read_pasted
from ..letters.services import draft_letter
from ..models import Platform, Role
from ..trust import access

MEANINGS = {"frequency": _("频次"), "count": _("次数"), "deadline": _("时限"), "retention": _("留存"),
            "continuous": _("持续"), "advance": _("提前告知"), "staffing": _("人员配置"), "ratio": _("比例"),
            "review": _("需人工核对"), "blank": _("填空"), "start": _("起算"), "extension": _("延长"),
            "measure": _("统计指标"), "uncovered": _("未覆盖")}


def highlighted(text: str, spans: list[dict]):
    """The clause text with each recognised span marked; overlapping spans are cut into
    runs covered by the same findings, so nothing is marked twice."""
    cuts = sorted({0, len(text), *(s["start"] for s in spans), *(s["end"] for s in spans)})
    parts = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        covering = [s["means"] for s in spans if s["start"] <= start and end <= s["end"]]
        if covering:
            kind = covering[-1].split(":")[0]
            label = "; ".join(f"{MEANINGS.get(m.split(':')[0], m)} {m.partition(':')[2]}".strip() for m in covering)
            parts.append(format_html('<mark class="span-{}" title="{}">{}</mark>', kind, label, text[start:end]))
        else:
            parts.append(format_html("{}", text[start:end]))
    return format_html_join("", "{}", ((p,) for p in parts))


LEFT_OUT = {furniture.PAGE: gettext_lazy("页码"), furniture.SITE: gettext_lazy("网页内容"),
            furniture.COLLECTION: gettext_lazy("合集标题")}


def _document_lines(document, chosen: int) -> list[dict]:
    """The pasted text line by line for the page: the chosen letter's lines as they are,
    another letter's muted, and lines that are no letter's greyed with why."""
    return [{"text": line.text, "reason": LEFT_OUT.get(line.left_out),
             "state": "left-out" if line.left_out else "chosen" if line.letter == chosen else "other"}
            for line in document.lines]


def _read(form):
    """The text and its letters, or LetterReadError (a file too large is refused from its size, unread)."""
    upload = form.cleaned_data.get("file")
    if upload:
        check_file_size(upload.size, upload.name)
        text = read_letter(upload.read(), upload.name)
    else:
        text = read_pasted(form.cleaned_data.get("text") or "")
    document = read_document(text)
    check_clauses(sum(len(letter.clauses) for letter in document.letters))
    return text, document


def refusal(exc: LetterReadError) -> str:
    """A reading refusal in the user's language."""
    return _(exc.template) % exc.params


def _rows(draft, data=None):
    return [{"proposal": p, "html": highlighted(p.text, p.spans),
             "form": ProposalForm(data, prefix=f"c{p.index}", spec=p.spec, blanks=draft.blanks)}
            for p in draft.review_first]


@require_http_methods(["GET", "POST"])
def letter_intake(request, slug):
    platform = get_object_or_404(Platform, slug=slug)
    access.require_role(request.user, platform.pk, Role.OFFICER)
    # A body past DATA_UPLOAD_MAX_MEMORY_SIZE never gets here: the CSRF check reads it first,
    # and compliance/errors.bad_request explains the refusal.
    data = request.POST if request.method == "POST" else None
    form = LetterIntakeForm(data, request.FILES or None)
    context = {"platform": platform, "form": form, "draft": draft_letter(platform)}
    if data is None or not form.is_valid():
        return render(request, "obligations/intake/letter_intake.html", context, status=400 if data else 200)
    try:
        text, document = _read(form)
    except LetterReadError as exc:  # a paste stays in its box, with the reason beside it
        form.add_error("file" if form.cleaned_data.get("file") else "text", refusal(exc))
        return render(request, "obligations/intake/letter_intake.html", context, status=400)
    if not document.letters:
        form.add_error("file" if form.cleaned_data.get("file") else "text",
                       _("没有找到承诺书正文:读到的内容都是网页或页码等非正文内容。"))
        return render(request, "obligations/intake/letter_intake.html", context, status=400)
    chosen = min(form.cleaned_data.get("letter") or 0, len(document.letters) - 1)
    draft = propose(document.letters[chosen])
    rows = _rows(draft, data if "accept" in data else None)
    if "accept" in data and all([r["form"].is_valid() for r in rows]):  # every row checked, errors shown
        for row in rows:
            apply_edits(row["proposal"], row["form"].cleaned_data)
        try:
            letter = letter_create_own(platform=platform, draft=draft, user=request.user, now=timezone.now())
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已生成草稿第%(v)s版:请填写填空、核对条款与义务,预览后签署。")
                             % {"v": letter.version})
            return redirect("letter-edit", pk=letter.pk)
    invalid = [r["proposal"].number for r in rows if r["form"].is_bound and r["form"].errors]
    context.update(text=text, proposal=draft, rows=rows, invalid=invalid, letters=document.letters, chosen=chosen,
                   lines=_document_lines(document, chosen),
                   left_out=sum(1 for line in document.lines if line.left_out))
    return render(request, "obligations/intake/letter_review.html", context)
