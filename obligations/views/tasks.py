from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ..forms.work import CompletionForm
from ..trust import access
from ..work.my_tasks import my_tasks as tasks_of


@require_GET
def my_tasks(request):
    now = timezone.now()
    titles = {"today": _("今日"), "overdue": _("已逾期"), "week": _("本周其余"), "month": _("本月其余"),
              "quarter": _("本季度其余")}
    sections = tasks_of(request.user, now=now, tz=timezone.get_current_timezone(), titles=titles)
    return render(request, "obligations/tasks.html", {
        "sections": sections, "now": now, "form": CompletionForm(),
        "roles": access.roles_of(request.user),
    })
