from django.urls import path

from .views import calendar, evidence, letters, occurrences, platforms, tasks

urlpatterns = [
    path("", platforms.home, name="home"),
    path("tasks/", tasks.my_tasks, name="my-tasks"),
    path("occurrences/<int:pk>/", occurrences.occurrence_detail, name="occurrence-detail"),
    path("occurrences/<int:pk>/complete/", occurrences.occurrence_complete, name="occurrence-complete"),
    path("occurrences/<int:pk>/reopen/", occurrences.occurrence_reopen_view, name="occurrence-reopen"),
    path("occurrences/<int:pk>/waive/", occurrences.occurrence_waive_view, name="occurrence-waive"),
    path("evidence/<int:pk>/download/", evidence.evidence_download, name="evidence-download"),
    path("platforms/<slug:slug>/obligations/", platforms.obligation_list, name="obligation-list"),
    path("obligations/<int:pk>/assign/", platforms.obligation_assign, name="obligation-assign"),
    path("platforms/<slug:slug>/letter/", platforms.letter_detail, name="letter-detail"),
    path("platforms/<slug:slug>/letter/start/", letters.letter_start, name="letter-start"),
    path("letters/<int:pk>/edit/", letters.letter_edit, name="letter-edit"),
    path("calendar/", calendar.calendar_days, name="calendar-days"),
]
