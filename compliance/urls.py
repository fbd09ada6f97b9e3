from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("obligations.urls")),
]

handler400 = "compliance.errors.bad_request"
handler403 = "compliance.errors.permission_denied"
handler404 = "compliance.errors.page_not_found"
handler500 = "compliance.errors.server_error"
