from django.contrib import admin
from django.urls import include, path

from obligations.views import language, signin

urlpatterns = [
    path("admin/", admin.site.urls),
    # The language menu: Django's switch, the choice also kept on the signed-in user's account.
    path("i18n/setlang/", language.set_language, name="set_language"),
    # Before Django's own accounts/ pages: the password reset that counts its mails, and the second factor.
    path("accounts/password_reset/", signin.ThrottledPasswordResetView.as_view(), name="password_reset"),
    path("accounts/second-factor/", signin.overview, name="second-factor"),
    path("accounts/second-factor/enrol/", signin.enrol, name="second-factor-enrol"),
    path("accounts/second-factor/verify/", signin.verify, name="second-factor-verify"),
    path("accounts/second-factor/codes/", signin.codes, name="second-factor-codes"),
    path("accounts/", include("django.contrib.auth.urls")),
    # The REST API for other systems (docs/api.md): bearer tokens, not sessions.
    path("api/", include("obligations.api.urls")),
    path("", include("obligations.urls")),
]

handler400 = "compliance.errors.bad_request"
handler403 = "compliance.errors.permission_denied"
handler404 = "compliance.errors.page_not_found"
handler500 = "compliance.errors.server_error"
