"""No English in the Chinese pages and no Chinese in the English pages, outside user data: every page
of the menu, for every role, and one page of each kind a click away from them; for the site
administrator also the admin's index and every registered model's list.

What people read is the page's text and the attributes a reader meets (title, placeholder,
aria-label, alt, a button's value), outside scripts and outside an element that names its own
language (`lang`, as the language menu names 简体中文 and English). User data is taken out before
the check, by its values in the database: what people wrote and the letter's own words (its text,
titles, names, notes), listed field by field below — never codes (a key, a state, an action), which
the pages must say in words. The admin shows records as they are stored, so there every stored
string is data; its titles, headers and filters are not."""

import re
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import available_timezones

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import models as dj
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from obligations import models
from obligations.letters.template import blank_display, registry
from obligations.letters.template import render as render_text
from obligations.models.calendar import CalendarYear
from obligations.oversight.reviews import finding_add, rectification_open
from obligations.trust.second_factor import secret_text
from tests.world_support import evidence_root_of_the_module, module_world_fixture

world = module_world_fixture()
_evidence_root = evidence_root_of_the_module()

ROLES = ("officer", "staff", "supervisor", "auditor", "site admin")

# Latin words a Chinese page may hold: the product's name and the names of formats, standards and
# apps people know by these letters (a file's type, the authenticator's standard, the zone's name).
PROPER_TERMS = {"Pledge", "CSV", "PDF", "Excel", "Word", "ZIP", "TOTP", "SHA", "UTC", "IP",
                "Microsoft", "Google", "Authenticator", "FreeOTP", "Webhook", "JSON", "HMAC", "HTTP", "HTTPS"}

# Pages each role must reach from the menu (the walk would pass silently by a page a broken link hides).
REACHED = {
    "officer": {"my-tasks", "case-board", "case-detail", "case-new", "dashboard", "occurrence-list",
                "occurrence-detail", "review-list", "review-detail", "export-list", "letter-detail",
                "letter-versions", "clause-editor", "letter-preview", "letter-changes", "obligation-list",
                "platform-members", "notifications", "calendar-feed", "retention", "webhook-list",
                "webhook-deliveries", "platform-channels", "my-channels"},
    "staff": {"my-tasks", "case-board", "case-detail", "occurrence-detail", "letter-detail", "obligation-list"},
    "supervisor": {"dashboard", "review-list", "review-detail", "export-list", "letter-detail"},
    "auditor": {"dashboard", "review-list", "review-detail", "letter-detail", "audit-log"},
    "site admin": {"platform-overview", "platform-new", "calendar-days"},
}


# What people wrote, and the letter's own words: user data, in whichever language it was written. In a
# JSON field, only what its named keys hold ("specs:title"): the rest of it is codes.
USER_DATA = {
    models.Platform: ("slug", "name", "timezone"),
    models.Membership: ("full_name", "post"),
    models.Invitation: ("email", "full_name", "post"),
    models.Letter: ("title", "signature", "sections", "blanks:label", "blanks:help"),
    models.Clause: ("section", "section_title", "number", "title", "source", "text", "addendum_source",
                    "addendum", "specs:title", "specs:evidence_description", "removed_reason"),
    models.Obligation: ("title", "evidence_description"),
    models.Case: ("number", "reporter_name", "reporter_contact", "description", "close_note", "public_ref"),
    models.CaseEvent: ("note",),
    models.Occurrence: ("waived_reason",),
    models.Completion: ("note", "reopen_reason"),
    models.Evidence: ("original_name", "sha256"),
    models.Notification: ("subject", "body"),
    models.Review: ("seal",),
    models.ReviewExplanation: ("text",),
    models.Rectification: ("title",),
    models.ReviewFinding: ("text",),
    models.ReviewSignature: ("reason",),
    models.ExportJob: ("filename", "sha256"),
    models.CalendarDay: ("note",),
    models.WebhookEndpoint: ("url", "description"),
    models.ApiToken: ("name", "prefix"),
    models.Robot: ("name", "token"),
    models.Delivery: ("error",),
}

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+")
LATIN = re.compile(r"[A-Za-z]+")
WORDY = re.compile(r"[A-Za-z\u3400-\u9fff]")
# Not words: links, mail addresses, hashes, file names, a quarter's label (2026Q3), a blank's reference as
# typed into a clause's text ({checks_per_day}).
# (\b would not do: a Chinese character is a word character too, as in 2026Q3遗留.)
COMMANDS = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "obligations" / "management" / "commands").glob("[a-z]*.py"))
MACHINE = re.compile(r"https?://[!-~]+|[A-Za-z0-9._+-]+@[A-Za-z0-9.-]+\.[A-Za-z]+|(?<![0-9A-Za-z])(?=[0-9a-f]*\d)[0-9a-f]{8,}(?![0-9A-Za-z])"
                     r"|[A-Za-z0-9_.-]+\.(?:csv|txt|pdf|xlsx|docx|zip)(?![0-9A-Za-z])"
                     r"|(?<![0-9A-Za-z])\d{4}Q[1-4](?![0-9A-Za-z])|\{\w+\}"
                     # a command of ours an operator is told to run, with its options: literal code
                     r"|(?<![0-9A-Za-z_])(?:" + "|".join(COMMANDS) + r")(?: --[a-z-]+)*(?![0-9A-Za-z_])")
READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Reading(HTMLParser):
    """The text a reader of the page meets, and its links."""

    def __init__(self, language):
        super().__init__(convert_charrefs=True)
        self.language, self.texts, self.links, self.stack = language, [], [], []

    def muted(self):
        return any(muted for _tag, muted in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        own = attrs.get("lang")
        muted = tag in ("script", "style") or (own is not None and own != self.language)
        if not muted and not self.muted():
            self.texts += [attrs[a] for a in READ_ATTRIBUTES if attrs.get(a)]
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.texts.append(attrs["value"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag not in VOID:
            self.stack.append((tag, muted))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        # up to the element it closes: HTML lets a <p> or an <li> close without its end tag
        if any(open_tag == tag for open_tag, _muted in self.stack):
            while self.stack.pop()[0] != tag:
                pass

    def handle_data(self, data):
        if not self.muted() and data.strip():
            self.texts.append(data)


def strings_of(value, key=None):
    """The strings a value holds; with `key`, only those under that key of its dicts, at any depth."""
    if isinstance(value, str):
        if key is None:
            yield value
    elif isinstance(value, dict):
        for name, item in value.items():
            yield from strings_of(item, None if name == key else key)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings_of(item, key)


def user_data(everything=False):
    """The database's user data, longest first (so a title goes before a word inside it); with
    `everything`, every string stored in the app's tables and the admin's (the admin shows records)."""
    found = set()
    User = get_user_model()
    for user in User.objects.all():
        found |= {user.username, user.first_name, user.last_name, user.email, user.get_full_name()}
    if everything:
        for model in admin.site._registry:
            fields = [f.name for f in model._meta.concrete_fields
                      if isinstance(f, dj.CharField | dj.TextField | dj.JSONField)]
            for row in model.objects.values_list(*fields):
                found |= set(strings_of(list(row)))
            found |= {str(record) for record in model.objects.all()}  # how the admin names a record
    for model, fields in USER_DATA.items():
        for name in fields:
            field, _colon, key = name.partition(":")
            for value in model.objects.values_list(field, flat=True):
                found |= set(strings_of(value, key or None))
    for section, title in models.Clause.objects.values_list("section", "section_title"):
        found.add(f"{section}、{title}")  # a section's heading as the letter writes it: 三、服务规范
    for letter in models.Letter.objects.all():  # its preamble and signature as filled in, what was typed in
        found |= {render_text(letter.preamble, letter.values, letter.blanks),
                  render_text(letter.signature, letter.values, letter.blanks)}
        found |= {blank_display(blank, letter.values.get(blank["name"])) for blank in letter.blanks}
    found |= available_timezones()  # the zone's name, as the IANA database spells it
    for template in registry().values():  # the letters' templates: the seed's own words
        found |= {template.name, template.title}
    if everything:
        found |= {"True", "False", "None"}  # the admin's icon for a stored yes or no
    # a value without a letter (a count, a date) hides no word, and taken out it would break a hash
    return sorted((s.strip() for s in found if s and WORDY.search(s)), key=len, reverse=True)


def foreign_words(html, language, data):
    reading = Reading(language)
    reading.feed(html)
    text = "\n".join(reading.texts)
    # the key an enrolment page shows for typing into an app (a new one each time the page is drawn)
    for value in [*(secret_text(device) for device in TOTPDevice.objects.all()), *data]:
        text = text.replace(value, " ")
    text = MACHINE.sub(" ", text)
    if language == "en":
        return sorted(set(CJK.findall(text)))
    return sorted(set(LATIN.findall(text)) - PROPER_TERMS)


def render(client, url, language):
    client.cookies["django_language"] = language
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def html_page(response):
    return response.status_code == 200 and response["Content-Type"].startswith("text/html")


def menu_links(html):
    """The navigation bar's links (the menu), in the order shown."""
    nav = html[html.index("<nav"):html.index("</nav>")]
    reading = Reading("zh-hans")
    reading.feed(nav)
    return [href for href in reading.links if href.startswith("/")]


def pages_of(client):
    """The menu's pages, then, breadth first, the first link to each other kind of page (by its URL name)
    that they lead to, as a reader clicking through would find them: (url, name, the page in Chinese)."""
    client.cookies["django_language"] = "zh-hans"
    home = client.get("/", follow=True)
    pages, seen = [], set()
    queue = ["/", *(url for url, _ in home.redirect_chain), *menu_links(home.content.decode())]
    while queue:
        url = queue.pop(0)
        name = url_name(url)
        if name is None or name in seen:
            continue
        seen.add(name)
        response = client.get(url)
        if not html_page(response):
            continue
        pages.append((url, name, response.content.decode()))
        reading = Reading("zh-hans")
        reading.feed(response.content.decode())
        queue += reading.links
    return pages


def url_name(href):
    parts = urlsplit(href)
    if parts.netloc or not parts.path.startswith("/") or parts.path.startswith("/static/"):
        return None
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    # The API guide is docs/api.md as written (English, naming the pages' Chinese terms): a document, not a page.
    if match.view_name in ("logout", "set_language", "api:guide") or match.view_name.startswith("admin:") \
            or "download" in match.view_name:
        return None
    return match.view_name


@pytest.fixture(scope="module")
def clients(world, django_db_blocker):
    """A client per role, and the site administrator's, with a record of every model the admin lists (an
    empty list shows no column headers to read)."""
    people, args, signed_in = world
    with django_db_blocker.unblock():
        root = get_user_model().objects.create_superuser("root", "root@example.com", "pw-root")
        admin_records(people, args, root)
    site_admin = Client()
    site_admin.force_login(root)
    return {**{role: signed_in[role] for role in ROLES if role in signed_in}, "site admin": site_admin}


def admin_records(people, args, root):
    now = timezone.now()
    officer, platform = people["officer"], models.Platform.objects.get(slug=args["slug"])
    review, occurrence = models.Review.objects.get(pk=args["review"]), models.Occurrence.objects.get(pk=args["occurrence"])
    models.ReviewExplanation.objects.create(review=review, occurrence=occurrence, text="已补做", author=officer, at=now)
    rectification_open(review=review, title="补做巡检", owner=people["staff"], due_date=now.date() + timedelta(days=30),
                       user=officer, now=now)
    finding_add(review=review, text="未发现问题", severity="low", user=people["supervisor"], now=now)
    models.ReviewSignature.objects.create(review=review, user=people["supervisor"], decision="refuse", reason="再议",
                                          at=now)
    models.EvidenceDisposal.objects.create(evidence=models.Evidence.objects.get(pk=args["evidence"]), platform=platform,
                                           listed_at=now)
    models.CalendarDay.objects.create(date=date(2027, 10, 1), is_workday=False, note="国庆节", loaded_by=root)
    CalendarYear.objects.create(year=2027, complete=True, loaded_by=root, loaded_at=now)
    models.UserPreferences.objects.create(user=officer, language="zh-hans")
    models.WorkerBeat.objects.create(hostname="worker@host", pid=1, started_at=now, seen_at=now)
    models.FailedSignIns.objects.create(address="10.0.0.1", username="alice", window_start=now, count=1, first_at=now,
                                        last_at=now, agent="Firefox")
    TOTPDevice.objects.create(user=officer, name="phone", confirmed=True)
    StaticDevice.objects.create(user=officer, name="recovery", confirmed=True)
    attempt = {"user_agent": "Firefox", "ip_address": "10.0.0.1", "username": "alice", "http_accept": "*/*",
               "path_info": "/accounts/login/"}
    AccessAttempt.objects.create(**attempt, get_data="", post_data="", failures_since_start=1)
    AccessLog.objects.create(**attempt)
    AccessFailureLog.objects.create(**attempt, locked_out=False)
    Group.objects.create(name="auditors")


def admin_pages():
    pages = [(reverse("admin:index"), "admin:index")]
    for model in admin.site._registry:
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
        pages.append((reverse(name), name))
    return pages


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_the_menu_speaks_only_its_language(clients, role, db):
    client = clients[role]
    data = user_data()
    pages = pages_of(client)
    leaks = {}
    for url, name, chinese in pages:
        for language, html in (("zh-hans", chinese), ("en", render(client, url, "en"))):
            found = foreign_words(html, language, data)
            if found:
                leaks[(name, language)] = found
    if role == "site admin":
        everything = user_data(everything=True)
        for url, name in admin_pages():
            for language in ("zh-hans", "en"):
                html = render(client, url, language)
                assert name == "admin:index" or 'id="result_list"' in html, f"{name} lists no record"
                found = foreign_words(html, language, everything)
                if found:
                    leaks[(name, language)] = found
    assert {name for _url, name, _html in pages} >= REACHED[role]
    assert not leaks, "\n".join(f"{name} [{language}]: {words}" for (name, language), words in leaks.items())


def test_every_record_of_ours_has_a_name_in_words():
    """The admin names a record by its __str__ (in lists, links and confirmations); Django's default is
    English ("Finding object (3)")."""
    unnamed = [model.__name__ for model in apps.get_app_config("obligations").get_models()
               if model.__str__ is dj.Model.__str__]
    assert not unnamed
