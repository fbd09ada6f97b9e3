from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ..errors import DomainError
from ..forms.letters import AssignForm
from ..letters import assignment
from ..letters.presentation import letter_page
from ..letters.services import current_letter
from ..models import Letter, Obligation, Platform, Role
from ..trust import access


def _platform(request, slug, page):
    platform = get_object_or_404(Platform, slug=slug)
    return platform, access.require_page(request.user, platform.pk, page)


@require_GET
def obligation_list(request, slug):
    platform, role = _platform(request, slug, "obligation-list")
    obligations = (Obligation.objects.filter(platform=platform, ends_at__isnull=True)
                   .select_related("clause").prefetch_related("assignees").order_by("clause__ordinal", "key"))
    # One list of the members who may be named, for every row's checkboxes (AssignForm validates the POST).
    members = list(assignment.assignable_members(platform))
    return render(request, "obligations/obligation_list.html", {
        "platform": platform, "obligations": obligations, "members": members if role == Role.OFFICER else None,
    })


@require_POST
def obligation_assign(request, pk):
    ob = get_object_or_404(Obligation.objects.select_related("platform"), pk=pk)
    access.require_role(request.user, ob.platform_id, Role.OFFICER)
    form = AssignForm(request.POST, platform=ob.platform, prefix=f"ob{ob.pk}")
    try:
        if not form.is_valid():
            raise DomainError(_("所选人员不是本平台成员。"))
        assignment.obligation_assign(obligation=ob, assignees=form.cleaned_data["assignees"], user=request.user,
                                     now=timezone.now())
        messages.success(request, _("已更新“%(title)s”的执行人。") % {"title": ob.title})
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("obligation-list", slug=ob.platform.slug)


@require_GET
def letter_detail(request, slug):
    platform, role = _platform(request, slug, "letter-detail")
    letter = current_letter(platform)
    return render(request, "obligations/letter_detail.html", {
        **(letter_page(letter) if letter else {}), "platform": platform, "is_officer": role == Role.OFFICER,
        "draft": Letter.objects.filter(platform=platform, state=Letter.State.DRAFT).exists(),
    })
