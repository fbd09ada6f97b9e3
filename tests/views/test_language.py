"""The interface's language: no English "- Select an option -" in the Chinese pages, each
language named in its own tongue, and the language a user chooses kept on their account —
applied at sign-in and on every request, whatever the browser's cookie says."""

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from obligations.models import Occurrence, UserPreferences
from obligations.tasks import run_sweeps
from obligations.work.evidence import completion_with_evidence
from tests.conftest import PDF_BYTES, SIGNED_AT

NOW = SIGNED_AT + timedelta(hours=1)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def done(signed_letter, officer):
    run_sweeps(now=NOW)
    audit = Occurrence.objects.get(obligation__key="三.3")
    completion_with_evidence(occurrence=audit, user=officer, note="", now=NOW,
                             files=[SimpleUploadedFile("c.pdf", PDF_BYTES)])
    return audit


def select(html, name):
    start = html.index(f'name="{name}"')
    return html[start:html.index("</select>", start)]


def page(client, url, language):
    client.cookies["django_language"] = language
    return client.get(url).content.decode()


@pytest.mark.parametrize("language,person,obligation,correction,assignee", [
    ("zh-hans", "— 全部人员 —", "— 全部义务 —", "— 不更正,作为补充 —", "— 暂不指定 —"),
    ("en", "— Everyone —", "— Every obligation —", "— None: add the files —", "— Nobody yet —"),
])
def test_empty_choices_are_named_in_the_users_language(client, officer, done, language, person, obligation,
                                                       correction, assignee):
    client.force_login(officer)
    drilldown = page(client, reverse("occurrence-list", args=["alpha"]), language)
    detail = page(client, reverse("occurrence-detail", args=[done.pk]), language)
    case_new = page(client, reverse("case-new", args=["alpha"]), language)
    assert f'<option value="" selected>{person}</option>' in select(drilldown, "person")
    assert f'<option value="" selected>{obligation}</option>' in select(drilldown, "obligation")
    assert f'<option value="" selected>{correction}</option>' in select(detail, "corrects")
    assert f'<option value="" selected>{assignee}</option>' in select(case_new, "assignee")
    for html in (drilldown, detail, case_new):
        assert "Select an option" not in html and "---------" not in html


def test_a_select_without_its_own_empty_label_is_chinese_too(officer):
    from django import forms

    from obligations.models import Platform

    class AnyForm(forms.Form):
        platform = forms.ModelChoiceField(queryset=Platform.objects.all(), required=False)

    assert str(AnyForm()["platform"]).count("— 请选择 —") == 1


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_each_language_is_named_in_its_own_tongue(client, officer, language):
    client.force_login(officer)
    html = select(page(client, reverse("my-tasks"), language), "language")
    assert '<option value="zh-hans" lang="zh-hans"' in html and ">简体中文</option>" in html
    assert '<option value="en" lang="en"' in html and ">English</option>" in html
    assert "英语" not in html and "Simplified Chinese" not in html


def test_the_choice_is_kept_on_the_account_and_follows_the_user_to_another_browser(client, staff):
    client.force_login(staff)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/tasks/"})
    assert response.status_code == 302
    assert UserPreferences.objects.get(user=staff).language == "en"
    other = Client()  # another browser: no language cookie
    other.force_login(staff)
    html = other.get(reverse("my-tasks")).content.decode()
    assert 'lang="en"' in html and "My tasks" in html
    assert other.cookies["django_language"].value == "en"  # the cookie follows the account
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/tasks/"})
    assert UserPreferences.objects.get(user=staff).language == "zh-hans"
    assert 'lang="zh-hans"' in other.get(reverse("my-tasks")).content.decode()


def test_the_accounts_language_wins_over_a_cookie_of_the_browser(client, staff):
    UserPreferences.objects.create(user=staff, language="en")
    client.force_login(staff)
    client.cookies["django_language"] = "zh-hans"  # someone else chose Chinese in this browser
    assert 'lang="en"' in client.get(reverse("my-tasks")).content.decode()


def test_signing_in_applies_the_accounts_language(client, staff):
    UserPreferences.objects.create(user=staff, language="en")
    assert 'lang="zh-hans"' in client.get(reverse("login")).content.decode()
    response = client.post(reverse("login"), {"username": "bob", "password": "pw-bob"})
    assert response.status_code == 302 and response.cookies["django_language"].value == "en"
    assert 'lang="en"' in client.get(reverse("my-tasks")).content.decode()
    client.post(reverse("logout"))
    assert 'lang="en"' in client.get(reverse("login")).content.decode()  # after sign-out too


def test_without_a_choice_the_cookie_or_chinese_decides(client, staff):
    client.force_login(staff)
    assert 'lang="zh-hans"' in client.get(reverse("my-tasks")).content.decode()
    client.cookies["django_language"] = "en"
    assert 'lang="en"' in client.get(reverse("my-tasks")).content.decode()
    assert not UserPreferences.objects.exists()


def test_an_unknown_language_is_not_kept(client, staff):
    client.force_login(staff)
    client.post(reverse("set_language"), {"language": "xx", "next": "/tasks/"})
    assert not UserPreferences.objects.exists()
    assert 'lang="zh-hans"' in client.get(reverse("my-tasks")).content.decode()
