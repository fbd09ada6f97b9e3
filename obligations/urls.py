from django.urls import path

from .views import calendar, cases, dashboard, evidence, feeds, inbox, letters, occurrences, platforms, public, tasks

urlpatterns = [
    path("", dashboard.home, name="home"),
    path("platforms/<slug:slug>/dashboard/", dashboard.platform_dashboard, name="dashboard"),
    path("platforms/<slug:slug>/occurrences/", dashboard.occurrence_list, name="occurrence-list"),
    path("notifications/", inbox.notification_list, name="notifications"),
    path("notifications/read/", inbox.notifications_read, name="notifications-read"),
    path("calendar-feed/", feeds.feed_settings, name="calendar-feed"),
    path("calendar-feed/<str:token>.ics", feeds.feed_ics, name="calendar-feed-ics"),
    path("tasks/", tasks.my_tasks, name="my-tasks"),
    path("occurrences/<int:pk>/", occurrences.occurrence_detail, name="occurrence-detail"),
    path("occurrences/<int:pk>/complete/", occurrences.occurrence_complete, name="occurrence-complete"),
    path("occurrences/<int:pk>/evidence/", occurrences.occurrence_evidence_add, name="occurrence-evidence-add"),
    path("occurrences/<int:pk>/reopen/", occurrences.occurrence_reopen_view, name="occurrence-reopen"),
    path("occurrences/<int:pk>/waive/", occurrences.occurrence_waive_view, name="occurrence-waive"),
    path("evidence/<int:pk>/download/", evidence.evidence_download, name="evidence-download"),
    path("platforms/<slug:slug>/obligations/", platforms.obligation_list, name="obligation-list"),
    path("obligations/<int:pk>/assign/", platforms.obligation_assign, name="obligation-assign"),
    path("platforms/<slug:slug>/letter/", platforms.letter_detail, name="letter-detail"),
    path("platforms/<slug:slug>/letter/start/", letters.letter_start, name="letter-start"),
    path("letters/<int:pk>/edit/", letters.letter_edit, name="letter-edit"),
    path("calendar/", calendar.calendar_days, name="calendar-days"),
    path("cases/", cases.case_board, name="case-board"),
    path("cases/<int:pk>/", cases.case_detail, name="case-detail"),
    path("cases/<int:pk>/close/", cases.case_close_view, name="case-close"),
    path("platforms/<slug:slug>/cases/new/", cases.case_new, name="case-new"),
    path("p/<slug:slug>/complaint/", public.complaint, name="public-complaint"),
    path("p/<slug:slug>/status/", public.status, name="public-status"),
]
