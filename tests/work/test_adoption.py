"""Signing raises the schedule at once; the periods since a past signing date count as
missed or, as the officer chose, not applicable."""

from datetime import UTC, datetime, timedelta

import pytest

from obligations.demo import demo_values
from obligations.letters.drafting import clause_add, obligation_spec_save
from obligations.letters.services import letter_amend, letter_create, letter_fill, letter_sign
from obligations.models import AuditEvent, Obligation, Occurrence
from obligations.work.adoption import letter_adopt
from obligations.work.sweeps import obligations_materialize
from tests.conftest import SIGNED_AT


def sign(platform, officer, stated, past_periods=None):
    letter = letter_create(platform=platform, values=demo_values(stated), user=officer, now=SIGNED_AT)
    letter = letter_sign(letter=letter, user=officer, now=SIGNED_AT, past_periods=past_periods)
    return letter, letter_adopt(letter=letter, user=officer, now=SIGNED_AT)


def test_signing_today_raises_the_schedule_at_once(platform, officer):
    _, result = sign(platform, officer, SIGNED_AT.date())
    assert result["created"] > 0 and result["missed"] == 0
    assert Occurrence.objects.filter(platform=platform, obligation__key="三.2", due_at__gt=SIGNED_AT).exists()


@pytest.mark.parametrize("choice,state", [("missed", "missed"), ("not_applicable", "waived")])
def test_periods_since_a_past_signing_date_count_as_chosen(platform, officer, choice, state):
    stated = SIGNED_AT.date() - timedelta(days=3)
    letter, result = sign(platform, officer, stated, past_periods=choice)
    past_checks = Occurrence.objects.filter(platform=platform, obligation__key="三.2", due_at__lt=SIGNED_AT)
    # Three days and a morning of checks (3 a day, the first due at 08:00): 9 + 1.
    assert past_checks.count() == 10
    assert set(past_checks.values_list("state", flat=True)) == {state}
    assert letter.past_periods == choice
    assert AuditEvent.objects.filter(action="letter.adopt", object_id=str(letter.pk)).exists()
    # Tasks still to come stay open.
    assert Occurrence.objects.filter(platform=platform, due_at__gt=SIGNED_AT, state="open").exists()


# The first period after signing (Letter.first_period) ----------------------------------

DEC_7 = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, a Monday: the quarter and the day under way


def first_due(platform, key):
    obligations_materialize(now=DEC_7, horizon=timedelta(days=200), platform=platform)  # past the horizon of signing
    first = Occurrence.objects.filter(platform=platform, obligation__key=key).order_by("due_at").first()
    return first.due_at.astimezone(platform.tz).strftime("%Y-%m-%d %H:%M")


def sign_on_dec_7(platform, officer, first_period=None):
    letter = letter_create(platform=platform, values=demo_values(DEC_7.date()), user=officer, now=DEC_7)
    letter = letter_sign(letter=letter, user=officer, now=DEC_7, first_period=first_period)
    letter_adopt(letter=letter, user=officer, now=DEC_7)
    return letter


def test_a_period_under_way_at_signing_is_not_due_by_default(platform, officer):
    letter = sign_on_dec_7(platform, officer)
    assert letter.first_period == "full"
    # The quarterly training's first task closes the first full quarter, not this one in three weeks.
    assert first_due(platform, "三.5") == "2027-04-01 00:00"
    assert first_due(platform, "三.3") == "2027-02-01 00:00"  # monthly: January, the first full month
    assert first_due(platform, "四.1") == "2027-04-16 00:00"  # the report on the first full quarter
    assert first_due(platform, "三.2").startswith("2026-12-08")  # daily: from tomorrow
    # Nor does a later sweep raise the period under way.
    obligations_materialize(now=datetime(2027, 1, 20, tzinfo=UTC), platform=platform)
    assert not Occurrence.objects.filter(platform=platform, period_start__lt=DEC_7).exists()


def test_the_period_under_way_is_due_when_the_officer_chose_so(platform, officer):
    letter = sign_on_dec_7(platform, officer, first_period="current")
    assert letter.first_period == "current"
    assert first_due(platform, "三.5") == "2027-01-01 00:00"
    assert first_due(platform, "四.1") == "2027-01-16 00:00"
    assert first_due(platform, "三.2").startswith("2026-12-07")


def test_an_amendment_starts_only_what_it_adds_from_a_full_period(signed_letter, platform, officer):
    later = DEC_7
    draft = letter_amend(letter=signed_letter, user=officer, now=later)
    letter_fill(letter=draft, values={"sign_date": later.date().isoformat()}, user=officer, now=later)
    own = clause_add(letter=draft, section="三", text="平台每季度备份一次服务数据。", user=officer, now=later)
    obligation_spec_save(clause=own, spec={"key": "backup", "title": "数据备份", "kind": "calendar",
                                           "period": "quarterly"}, user=officer, now=later)
    kept = Obligation.objects.get(platform=platform, key="三.5").starts_at
    letter_adopt(letter=letter_sign(letter=draft, user=officer, now=later), user=officer, now=later)
    assert Obligation.objects.get(platform=platform, key="三.5").starts_at == kept  # carried over as it was
    assert first_due(platform, "backup") == "2027-04-01 00:00"
