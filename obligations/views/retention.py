from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..models import Platform, Role
from ..trust import access
from ..work.retention import retention_approve, retention_disposed, retention_pending


@require_http_methods(["GET", "POST"])
def retention_page(request, slug):
    """Evidence past its keep-until date: the officer approves its disposal here; the
    supervisory group and auditors read the list."""
    platform = get_object_or_404(Platform, slug=slug)
    role = access.require_page(request.user, platform.pk, "retention")
    if request.method == "POST":
        access.require_role(request.user, platform.pk, Role.OFFICER)
        ids = [int(v) for v in request.POST.getlist("disposal") if v.isdigit()]
        if not ids:
            messages.error(request, _("请选择要销毁的文件。"))
        else:
            count = retention_approve(platform=platform, user=request.user, ids=ids, now=timezone.now())
            if not count:
                messages.error(request, _("所选文件尚未超过留存期限,或已处理。"))
                return redirect("retention", slug=platform.slug)
            messages.success(request, _("已批准销毁 %(n)d 个文件;文件已删除,元数据(SHA-256 等)保留。") % {"n": count})
        return redirect("retention", slug=platform.slug)
    return render(request, "obligations/retention.html", {
        "platform": platform, "pending": retention_pending(platform), "disposed": retention_disposed(platform)[:50],
        "may_approve": role == Role.OFFICER,
    })
