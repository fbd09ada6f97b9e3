"""/api/v1/ (docs/api.md). The schema, its docs page and the guide need no token; everything else does."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import guide, views

app_name = "api"

urlpatterns = [
    path("v1/platforms/<slug:slug>/occurrences/", views.OccurrenceList.as_view(), name="occurrence-list"),
    path("v1/occurrences/<int:pk>/", views.OccurrenceDetail.as_view(), name="occurrence-detail"),
    path("v1/occurrences/<int:pk>/complete/", views.OccurrenceComplete.as_view(), name="occurrence-complete"),
    path("v1/platforms/<slug:slug>/cases/", views.CaseCreate.as_view(), name="case-create"),
    path("v1/cases/<int:pk>/", views.CaseDetail.as_view(), name="case-detail"),
    path("v1/cases/<int:pk>/steps/<slug:step>/", views.CaseStep.as_view(), name="case-step"),
    path("v1/platforms/<slug:slug>/figures/", views.Figures.as_view(), name="figures"),
    path("v1/schema/", SpectacularAPIView.as_view(api_version="v1"), name="schema"),
    path("v1/docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("v1/guide/", guide.guide, name="guide"),
    re_path(r"^(?P<rest>.*)$", views.not_found, name="not-found"),
]
