from datetime import timedelta

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from obligations.demo import demo_values
from obligations.errors import DomainError
from obligations.forms.letters import LetterFillForm
from obligations.letters import template as tpl
from obligations.letters.services import (
    clause_update,
    letter_amend,
    letter_create,
    letter_fill,
    letter_sign,
)
from obligations.models import Clause, Letter, Obligation, Occurrence
from obligations.tasks import run_sweeps as sweep
from obligations.work.occurrences import occurrence_complete
from tests.conftest import SIGNED_AT, make_user


def form_data(**changes):
    data = {k: v for k, v in demo_values(SIGNED_AT.date()).items()}
    data.update(changes)
    return data


def test_signed_letter_yields_the_obligations_of_the_seed(signed_letter):
    obligations = {o.key: o for o in Obligation.objects.filter(platform=signed_letter.platform)}
    assert set(obligations) == {"三.1", "三.2", "三.3", "三.4", "三.5", "三.6", "三.6-incident", "三.7", "三.8",
                                "三.8-finding", "四.1", "四.2", "四.3", "四.4"}
    assert (obligations["三.2"].period, obligations["三.2"].count) == ("daily", 3)
    assert (obligations["三.3"].period, obligations["三.3"].retention_years) == ("monthly", 3)
    assert (obligations["三.5"].period, obligations["三.5"].count) == ("quarterly", 2)
    assert obligations["三.1"].kind == "one_time" and obligations["三.6"].kind == "one_time"
    assert obligations["三.6-incident"].trigger == "incident"
    respond, decide = obligations["四.3"].deadlines
    assert respond == {"step": "respond", "amount": 24, "unit": "hours"}
    assert (decide["step"], decide["amount"], decide["unit"]) == ("decide", 7, "days")
    assert obligations["三.8-finding"].trigger == "finding"
    assert obligations["四.1"].responsible_role == "supervisor" and "合规部" in obligations["四.1"].title
    assert obligations["四.4"].period == "quarterly"
    # Section 二 yields no schedule but stays visible; the law title blank is text.
    assert signed_letter.clauses.filter(section="二").count() == 4
    assert "《中华人民共和国网络安全法》" in signed_letter.clauses.get(number="一.2").text


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("checks_per_day", "三次", "整数"),
        ("checks_per_day", "0", "不能小于 1"),
        ("audits_per_month", "-2", "不能小于 1"),
        ("checks_per_day", "2000", "不能大于 24"),
        ("sign_date", "2026-13-45", "有效日期"),
    ],
)
def test_bad_template_input_gets_an_error_per_field_and_saves_nothing(db, field, value, message):
    form = LetterFillForm(data=form_data(**{field: value}))
    assert not form.is_valid()
    assert list(form.errors) == [field]
    assert message in form.errors[field][0]
    assert Letter.objects.count() == 0 and Clause.objects.count() == 0


def test_several_bad_fields_are_each_named(db):
    form = LetterFillForm(data=form_data(checks_per_day="many", trainings_per_quarter="-1", lead_department=""))
    assert not form.is_valid()
    assert set(form.errors) == {"checks_per_day", "trainings_per_quarter", "lead_department"}


def test_signing_freezes_the_letter(signed_letter, officer):
    clause = signed_letter.clauses.get(number="三.2")
    with pytest.raises(DomainError, match="已签署,不能修改"):
        clause_update(clause=clause, text="平台每日开展1次安全检查", user=officer, now=SIGNED_AT)
    with pytest.raises(DomainError, match="已签署"):
        letter_fill(letter=signed_letter, values={"checks_per_day": 1}, user=officer, now=SIGNED_AT)
    clause.refresh_from_db()
    assert "3次" in clause.text


def test_admin_refuses_to_change_a_signed_clause(signed_letter, officer):
    request = RequestFactory().get("/")
    request.user = make_user("root-admin")
    request.user.is_superuser = request.user.is_staff = True
    clause = signed_letter.clauses.get(number="三.2")
    assert not site._registry[Clause].has_change_permission(request, clause)
    assert not site._registry[Letter].has_delete_permission(request, signed_letter)


def test_signing_needs_every_blank_and_an_officer(platform):
    letter = letter_create(platform=platform, values={"checks_per_day": 3}, now=SIGNED_AT)
    with pytest.raises(DomainError, match="尚未填写"):
        letter_sign(letter=letter, now=SIGNED_AT)
    letter_fill(letter=letter, values=demo_values(SIGNED_AT.date()), now=SIGNED_AT)
    with pytest.raises(DomainError, match="合规负责人"):
        letter_sign(letter=letter, now=SIGNED_AT)
    assert Letter.objects.get(pk=letter.pk).state == "draft"


def test_amendment_is_version_two_and_keeps_the_completed_history(signed_letter, officer):
    day2 = SIGNED_AT + timedelta(days=1)
    sweep(now=day2)
    done = Occurrence.objects.get(obligation__key="三.2", opens_at__lte=day2, due_at__gt=day2)
    occurrence_complete(occurrence=done, user=officer, note="巡检正常", now=day2, evidence_count=1)

    draft = letter_amend(letter=signed_letter, user=officer, now=day2)
    assert (draft.version, draft.state, draft.amends_id) == (2, "draft", signed_letter.pk)
    letter_fill(letter=draft, values={"checks_per_day": 2}, user=officer, now=day2)
    v2 = letter_sign(letter=draft, user=officer, now=day2)

    signed_letter.refresh_from_db()
    assert signed_letter.state == "superseded" and v2.state == "signed"
    checks = Obligation.objects.get(platform=v2.platform, key="三.2")
    assert checks.count == 2 and checks.clause.letter == v2 and "2次" in checks.clause.text
    done.refresh_from_db()
    assert done.state == "done" and done.obligation == checks and done.clause.letter == signed_letter
    assert done.completions.get().note == "巡检正常"
    # From now on the new count applies: future days have two checks.
    sweep(now=day2)
    later = Occurrence.objects.filter(obligation=checks, opens_at__gt=day2 + timedelta(days=2))
    assert set(later.values_list("sequence", flat=True)) == {1, 2}


def test_template_blanks_and_clauses_agree():
    named = {b.name for b in tpl.BLANKS}
    used = {n for _, text in tpl.CLAUSES for n in tpl.blanks_in(text)}
    assert used <= named
