"""Signing raises the schedule at once; the periods since a past signing date count as
missed or, as the officer chose, not applicable."""

from datetime import timedelta

import pytest

from obligations.demo import demo_values
from obligations.letters.services import letter_create, letter_sign
from obligations.models import AuditEvent, Occurrence
from obligations.work.adoption import letter_adopt
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
