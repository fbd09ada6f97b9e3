"""The intake review form: what it shows is what accepting stores. Every deadline step of a
proposal is a row of the form, named in the reader's language; the steps of one clock are in
order; a number cleared or changed is stored as the form holds it."""

import pytest
from django.conf import settings
from django.urls import reverse

from obligations.models import Letter
from tests.views.form_support import as_shown

COMPLAINTS = """丁平台服务承诺书
一、用户服务
1.对用户投诉在2小时内响应,24小时内给出处理意见,3日内办结,7日内回访。
2.监督小组每季度结束后15日内汇报运营情况,汇报材料保存5年。
承诺人:____
"""


@pytest.fixture
def url(platform):
    return reverse("letter-intake", args=[platform.slug])


def review(client, officer, url, text=COMPLAINTS):
    client.force_login(officer)
    return client.post(url, {"text": text, "read": "1"})


def row_with(page, predicate):
    return next(r for r in page.context["rows"] if r["proposal"].spec and predicate(r["proposal"].spec))


def shown(rows) -> dict:
    """Every review form posted as it is shown."""
    data = {}
    for row in rows:
        data.update(as_shown(row["form"]))
    return data


def clock(page):
    return row_with(page, lambda spec: len(spec.get("deadlines") or []) > 2)


def test_every_deadline_step_the_proposal_holds_is_a_row_of_the_form(client, officer, url):
    page = review(client, officer, url)
    row = clock(page)
    steps = row["proposal"].spec["deadlines"]
    form = row["form"]
    assert len(steps) == 4
    assert [(form[f"step{i}"].value(), form[f"amount{i}"].value(), form[f"unit{i}"].value())
            for i in range(1, len(steps) + 1)] == [(s["step"], s["amount"], s["unit"]) for s in steps]
    assert form.step_count == len(steps) + 1  # and an empty row to add one
    html = page.content.decode()
    assert '<option value="close" selected>办结</option>' in html  # named, in the reader's language
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.post(url, {"text": COMPLAINTS, "read": "1"}).content.decode()
    assert '<option value="close" selected>Close</option>' in html


def test_accepting_stores_exactly_the_form(client, officer, url):
    page = review(client, officer, url)
    row, report = clock(page), row_with(page, lambda spec: spec.get("due_days_after_period"))
    assert report["form"]["due_days_after_period"].value() == 15 and report["form"]["retention_years"].value() == 5
    data = {"text": COMPLAINTS, "accept": "1", **shown(page.context["rows"])}
    p = row["form"].prefix
    data.pop(f"{p}-amount4")  # the follow-up visit is dropped: its row emptied
    data[f"{p}-amount2"] = "12"
    data[f"{report['form'].prefix}-due_days_after_period"] = "10"
    data.pop(f"{report['form'].prefix}-retention_years")  # cleared: the default applies, nothing unseen
    response = client.post(url, data)
    assert response.status_code == 302, response.context and [r["form"].errors for r in response.context["rows"]]
    letter = Letter.objects.get()
    stored = letter.clauses.get(number=row["proposal"].number).specs[0]["deadlines"]
    assert stored == [{"step": "respond", "amount": 2, "unit": "hours"}, {"step": "decide", "amount": 12, "unit": "hours"},
                      {"step": "close", "amount": 3, "unit": "days"}]
    spec = letter.clauses.get(number=report["proposal"].number).specs[0]
    assert spec["due_days_after_period"] == 10 and "retention_years" not in spec


def test_the_same_step_twice_is_refused_and_nothing_is_stored(client, officer, url):
    page = review(client, officer, url)
    response = client.post(url, {"text": COMPLAINTS, "accept": "1", **shown(page.context["rows"])})
    html = response.content.decode()
    assert 'id="review-errors"' in html and "步骤“办结”出现了两次" in html
    assert not Letter.objects.exists()


def test_a_step_due_before_the_one_ahead_is_refused_with_its_reason(client, officer, url):
    page = review(client, officer, url)
    p = clock(page)["form"].prefix
    data = {"text": COMPLAINTS, "accept": "1", **shown(page.context["rows"])}
    data.pop(f"{p}-amount4")
    data[f"{p}-amount3"], data[f"{p}-unit3"] = "1", "hours"  # closed an hour in, before the 24-hour decision
    html = client.post(url, data).content.decode()
    assert "“办结”(1小时)会早于它前面的“处理意见”(24小时)到期" in html
    assert not Letter.objects.exists()
    data[f"{p}-unit3"] = "days"
    assert client.post(url, data).status_code == 302


@pytest.mark.parametrize(("amount", "message"), [
    ("两", "请输入一个整数,或填空名(例如 {b3})。"),
    ("{nosuchblank}", "本承诺书没有名为“nosuchblank”的填空。"),
], ids=["no-number", "no-such-blank"])
def test_an_amount_the_letter_cannot_hold_is_refused_beside_its_field(client, officer, url, amount, message):
    page = review(client, officer, url)
    p = clock(page)["form"].prefix
    data = {"text": COMPLAINTS, "accept": "1", **shown(page.context["rows"])}
    data.pop(f"{p}-amount4")
    data[f"{p}-amount1"] = amount
    response = client.post(url, data)
    assert message in " ".join(clock(response)["form"].errors["amount1"])
    assert not Letter.objects.exists()
