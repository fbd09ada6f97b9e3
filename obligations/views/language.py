"""The language menu: Django's set_language (the cookie, the redirect back), and for a
signed-in user the choice kept on their account (trust/preferences.py), so it follows
them to every browser and into their notifications and emails."""

from django.views.i18n import set_language as django_set_language

from ..trust.preferences import language_choose


def set_language(request):
    response = django_set_language(request)  # a GET only goes back, as Django's does
    if request.method == "POST":
        language_choose(request.user, request.POST.get("language"))
    return response
