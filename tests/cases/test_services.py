"""Cases and their clocks: deadlines, tiers, double submission, closing."""


import pytest
from django.utils import translation

from obligations.cases.services import (
    REGISTERED_CHANNELS,
    case_close,
    case_open,
    case_timeline,
    opening_note,
    public_outcome,
    public_terms,
)
from obligations.errors import DomainError
from obligations.models import AuditEvent, Case, CaseEvent, Obligation, Occurrence
from obligations.work.occurrences import occurrence_complete
from tests.cases.support import at, clocks, open_case


def test_complaint_clocks_24_hours_and_7_days(signed_letter):
    case = open_case(signed_letter.platform)
    assert case.number == "TS-2026-000001"
    c = clocks(case)
    assert c["respond"].due_at == at(2026, 11, 3, 10) and c["decide"].due_at == at(2026, 11, 9, 10)
    assert c["respond"].state == "open" and c["respond"].clause.number == "四.3"
    assert open_case(signed_letter.platform).number == "TS-2026-000002"


def test_case_open_records_the_real_ids_of_its_clocks(signed_letter):
    case = open_case(signed_letter.platform)
    [record] = AuditEvent.objects.filter(action="case.open", object_id=str(case.pk))
    ids = record.data["clocks"]
    assert None not in ids and sorted(ids) == sorted(case.clocks.values_list("pk", flat=True)) and len(ids) == 2
    assert CaseEvent.objects.get(case=case, action="opened").note.count("2026-11") == 2


def test_a_serious_complaint_keeps_the_seven_days_the_letter_promises(signed_letter):
    c = clocks(open_case(signed_letter.platform, severity="serious"))
    assert c["decide"].due_at == at(2026, 11, 9, 10)


def test_a_tier_the_officer_sets_shortens_the_decision(signed_letter):
    ob = Obligation.objects.get(platform=signed_letter.platform, key="四.3")
    ob.deadlines[1]["tiers"] = {"serious": {"amount": 24, "unit": "hours"}}
    ob.save()
    c = clocks(open_case(signed_letter.platform, severity="serious"))
    assert c["decide"].due_at == at(2026, 11, 3, 10)


def test_finding_in_working_days_across_national_day(signed_letter):
    case = open_case(signed_letter.platform, kind="finding", severity="serious", received=at(2026, 9, 30, 15))
    # Five working days: 8, 9, 10 (the make-up Saturday), 12, 13 October.
    assert case.number.startswith("FX-2026-")
    assert clocks(case)["fix"].due_at == at(2026, 10, 14, 0, 0)
    ordinary = open_case(signed_letter.platform, kind="finding", received=at(2026, 9, 30, 15))
    assert clocks(ordinary)["fix"].due_at == at(2026, 10, 30, 15)


def test_incident_recovery_clock(signed_letter):
    case = open_case(signed_letter.platform, kind="incident", received=at(2026, 11, 2, 23, 30))
    assert clocks(case)["recover"].due_at == at(2026, 11, 3, 23, 30)


def test_double_submission_makes_one_case_and_one_set_of_clocks(signed_letter):
    first, created = case_open(platform=signed_letter.platform, kind="complaint", description="x",
                               received_at=at(2026, 11, 2, 10), now=at(2026, 11, 2, 10), submission_key="k1")
    again, created_again = case_open(platform=signed_letter.platform, kind="complaint", description="x",
                                     received_at=at(2026, 11, 2, 10), now=at(2026, 11, 2, 10), submission_key="k1")
    assert created and not created_again and first.pk == again.pk
    assert Case.objects.count() == 1 and Occurrence.objects.filter(case__isnull=False).count() == 2


def test_closing_asks_for_each_open_clock(signed_letter, officer, staff):
    case = open_case(signed_letter.platform)
    c = clocks(case)
    occurrence_complete(occurrence=c["respond"], user=staff, note="已致电用户", now=at(2026, 11, 2, 11))
    with pytest.raises(DomainError, match="处理意见"):
        case_close(case=case, user=officer, note="办结", waivers={}, now=at(2026, 11, 2, 12))
    case.refresh_from_db()
    assert case.state == "open"
    case_close(case=case, user=officer, note="办结", waivers={c["decide"].pk: "用户撤回投诉"}, now=at(2026, 11, 2, 12))
    case.refresh_from_db()
    c["decide"].refresh_from_db()
    assert case.state == "closed" and c["decide"].state == "waived" and c["decide"].waived_reason == "用户撤回投诉"


def test_bad_case_input(signed_letter):
    with pytest.raises(DomainError, match="请填写"):
        case_open(
            platform=signed_letter.platform, kind="complaint", description="  ", received_at=at(2026, 11, 2),
            now=at(2026, 11, 2))
    with pytest.raises(DomainError, match="不能晚于"):
        case_open(platform=signed_letter.platform, kind="complaint", description="x", received_at=at(2026, 11, 3),
                  now=at(2026, 11, 2))
    assert not Case.objects.exists()


# The public page's channel, consent and terms; the decision the complainant reads.

def test_a_public_complaint_needs_consent_and_records_when(signed_letter):
    platform = signed_letter.platform
    with pytest.raises(DomainError, match="勾选同意") as refused:
        case_open(platform=platform, kind="complaint", description="x", received_at=at(2026, 11, 2, 10),
                  now=at(2026, 11, 2, 10), channel="public", reporter_contact="138")
    assert refused.value.field == "consent" and not Case.objects.exists()
    case, _ = case_open(platform=platform, kind="complaint", description="x", received_at=at(2026, 11, 2, 10),
                        now=at(2026, 11, 2, 10), channel="public", reporter_contact="138",
                        consent_at=at(2026, 11, 2, 10))
    assert case.consent_at == at(2026, 11, 2, 10)
    [record] = AuditEvent.objects.filter(action="case.open", object_id=str(case.pk))
    assert record.data["consent_at"] == at(2026, 11, 2, 10).isoformat()


def test_a_registered_case_never_comes_from_the_public_page(signed_letter, staff):
    assert "public" not in REGISTERED_CHANNELS and "phone" in REGISTERED_CHANNELS
    with pytest.raises(DomainError, match="公开投诉页面") as refused:
        case_open(platform=signed_letter.platform, kind="complaint", description="x", received_at=at(2026, 11, 2, 10),
                  now=at(2026, 11, 2, 10), user=staff, channel="public", consent_at=at(2026, 11, 2, 10))
    assert refused.value.field == "channel" and not Case.objects.exists()


def test_public_terms_are_read_from_the_signed_letter(signed_letter):
    terms = public_terms(signed_letter.platform)
    assert terms.deadlines == ["24小时内响应", "7日内给出处理意见"]
    ob = Obligation.objects.get(platform=signed_letter.platform, key="四.3")
    assert terms.retention_years == ob.retention_years
    ob.deadlines[0]["amount"] = 12
    ob.retention_years = 5
    ob.save()
    assert public_terms(signed_letter.platform).deadlines[0] == "12小时内响应"
    assert public_terms(signed_letter.platform).retention_years == 5


def test_public_terms_of_a_platform_without_a_letter_are_empty(platform):
    terms = public_terms(platform)
    assert terms.deadlines == [] and terms.retention_years is None


def test_the_public_outcome_is_the_response_and_the_decide_clocks_live_completion(signed_letter, officer, staff):
    from obligations.work.occurrences import occurrence_reopen

    case = open_case(signed_letter.platform)
    c = clocks(case)
    occurrence_complete(occurrence=c["respond"], user=staff, note="已回电", now=at(2026, 11, 2, 11))
    assert public_outcome(case) == {"responded_at": at(2026, 11, 2, 11), "decided_at": None,
                                    "decision": ""}  # the response is not the decision
    occurrence_complete(occurrence=c["decide"], user=staff, note="已全额退款", now=at(2026, 11, 3, 11))
    assert public_outcome(case) == {"responded_at": at(2026, 11, 2, 11), "decided_at": at(2026, 11, 3, 11),
                                    "decision": "已全额退款"}
    occurrence_reopen(occurrence=c["decide"], user=officer, reason="答复不完整", now=at(2026, 11, 3, 12))
    assert public_outcome(case)["decision"] == "" and public_outcome(case)["decided_at"] is None
    occurrence_complete(occurrence=c["decide"], user=staff, note="已全额退款并补偿优惠券", now=at(2026, 11, 3, 13))
    assert public_outcome(case)["decision"] == "已全额退款并补偿优惠券"


def test_the_timeline_lists_events_and_completions_in_order(signed_letter, staff):
    case = open_case(signed_letter.platform)
    c = clocks(case)
    occurrence_complete(occurrence=c["respond"], user=staff, note="已回电", now=at(2026, 11, 2, 11))
    timeline = case_timeline(case, list(case.clocks.select_related("obligation", "completed_by")))
    assert [(label, actor) for _at, label, actor, _note in timeline] == [("受理", None), ("完成响应", staff)]


def test_the_clocks_a_case_opened_with_are_named_in_the_readers_language(signed_letter):
    case = open_case(signed_letter.platform)
    [note] = CaseEvent.objects.filter(case=case, action="opened").values_list("note", flat=True)
    assert note.startswith("respond 2026-11-")  # stored by code
    with translation.override("zh-hans"):
        assert opening_note(note).startswith("响应 2026-11-") and "、处理意见 2026-11-" in opening_note(note)
    with translation.override("en"):
        # The steps' English words, not their codes (issue 25's QA)
        assert opening_note(note).startswith("Respond 2026-11-") and ", Decide 2026-11-" in opening_note(note)
        # a case opened before: its steps stored in Chinese
        assert opening_note("响应 2026-11-03 10:00, 处理意见 2026-11-09 10:00") == \
            "Respond 2026-11-03 10:00, Decide 2026-11-09 10:00"
