"""The officer fills, signs and amends the platform's letter."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ..errors import DomainError
from ..forms.letters import FirstPeriodForm, LetterFillForm
from ..letters.services import (
    current_letter,
    letter_amend,
    letter_choose_first_period,
    letter_create,
    letter_fill,
    letter_sign,
)
from ..models import Letter, Platform, Role
from ..trust import access
from ..work.adoption import letter_adopt


@require_POST
def letter_start(request, slug):
    """A new draft: the first letter of the platform, or an amendment of the signed one."""
    platform = get_object_or_404(Platform, slug=slug)
    access.require_role(request.user, platform.pk, Role.OFFICER)
    draft = Letter.objects.filter(platform=platform, state=Letter.State.DRAFT).order_by("-version").first()
    if draft is None:
        signed, now = current_letter(platform), timezone.now()
        try:
            if signed:
                draft = letter_amend(letter=signed, user=request.user, now=now)
            else:
                draft = letter_create(platform=platform, template=platform.template, user=request.user, now=now)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("letter-detail", slug=slug)
    return redirect("letter-edit", pk=draft.pk)


@require_http_methods(["GET", "POST"])
def letter_edit(request, pk):
    letter = get_object_or_404(Letter.objects.select_related("platform"), pk=pk)
    access.require_role(request.user, letter.platform_id, Role.OFFICER)
    if letter.is_frozen:
        messages.error(request, _("承诺书第%(version)s版已签署,不能修改;如需变更,请发起修订(生成新版本)。")
                       % {"version": letter.version})
        return redirect("letter-detail", slug=letter.platform.slug)
    form = LetterFillForm(request.POST or None, initial=letter.values, blanks=letter.blanks,
                          require_all="sign" in request.POST)
    if request.method == "POST" and form.is_valid():
        now = timezone.now()
        try:
            letter = letter_fill(letter=letter, values=form.values(), user=request.user, now=now)
            if "sign" in request.POST:
                letter = letter_sign(letter=letter, user=request.user, now=now,
                                     past_periods=form.cleaned_data["past_periods"] or None)
                letter_adopt(letter=letter, user=request.user, now=now)
                messages.success(request, _("承诺书第%(version)s版已签署,义务已生效。") % {"version": letter.version})
                return redirect("letter-detail", slug=letter.platform.slug)
            messages.success(request, _("草稿已保存。"))
            return redirect("letter-edit", pk=letter.pk)
        except DomainError as exc:
            form.add_error(None, exc.message)
    return render(request, "obligations/letter_edit.html", {"letter": letter, "form": form})


@require_POST
def letter_first_period(request, pk):
    """The preview's choice: are the periods already under way at signing owed?"""
    letter = get_object_or_404(Letter.objects.select_related("platform"), pk=pk)
    access.require_role(request.user, letter.platform_id, Role.OFFICER)
    form = FirstPeriodForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择签署时已开始的周期如何处理。"))
        return redirect("letter-preview", pk=letter.pk)
    try:
        letter = letter_choose_first_period(letter=letter, first_period=form.cleaned_data["first_period"],
                                            user=request.user, now=timezone.now())
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("letter-detail", slug=letter.platform.slug)
    messages.success(request, _("已保存:%(choice)s。预览已按此排期。") % {"choice": letter.get_first_period_display()})
    return redirect("letter-preview", pk=letter.pk)
