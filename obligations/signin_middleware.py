"""Two guards of a signed-in session, after authentication and messages (settings.MIDDLEWARE):

- `IdleSessionMiddleware` ends a session idle for PLEDGE_SESSION_IDLE_MINUTES, or older than
  SESSION_COOKIE_AGE (PLEDGE_SESSION_HOURS) since sign-in, however busy;
- `SecondFactorMiddleware` sends a session that still owes its second factor
  (trust/second_factor.py: `pending`) to enrolment or to the code page, whatever it asks for,
  except the pages that work signed out (login, password reset, public pages, the
  calendar feed), logging out, the language switch and the second-factor pages themselves.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpResponse
from django.shortcuts import redirect, resolve_url
from django.utils import timezone
from django.utils.translation import gettext as _

from .trust import second_factor

SEEN, STARTED = "pledge_seen_at", "pledge_signed_in_at"
SEEN_RESOLUTION = 60  # seconds: the last activity is written at most once a minute


def session_started(sender, request, user, **kwargs):
    """user_logged_in (wired in apps.py): the session's clocks start at sign-in."""
    if getattr(request, "session", None) is not None:
        now = timezone.now().timestamp()
        request.session[STARTED] = request.session[SEEN] = now


class IdleSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.get(SESSION_KEY):
            self.check(request, session)
        return self.get_response(request)

    @staticmethod
    def check(request, session):
        now = timezone.now().timestamp()
        seen, started = session.get(SEEN), session.get(STARTED)
        if started is not None and now - started > settings.SESSION_COOKIE_AGE:
            logout(request)
            messages.info(request, _("登录已超过 %(h)d 小时,请重新登录。") % {"h": settings.SESSION_COOKIE_AGE // 3600})
            return
        if seen is not None and now - seen > settings.PLEDGE_SESSION_IDLE_SECONDS:
            logout(request)
            messages.info(request, _("长时间未操作,已自动退出。"))
            return
        if started is None:
            session[STARTED] = now
        if seen is None or now - seen >= SEEN_RESOLUTION:
            session[SEEN] = now


ALWAYS_OPEN = {"logout", "set_language", "second-factor-enrol", "second-factor-verify", "second-factor-codes",
               "admin:logout"}
PAGES = {second_factor.ENROL: "second-factor-enrol", second_factor.VERIFY: "second-factor-verify"}


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not getattr(view_func, "login_required", True):  # works signed out (login_not_required)
            return None
        match = request.resolver_match
        if match is not None and match.view_name in ALWAYS_OPEN:
            return None
        owed = second_factor.pending(request.user)
        if owed is None:
            return None
        url = resolve_url(PAGES[owed]) + "?" + urlencode({"next": request.get_full_path()})
        if request.headers.get("HX-Request"):
            return HttpResponse(status=204, headers={"HX-Redirect": url})
        return redirect(url)
