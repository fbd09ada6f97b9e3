"""A case by what a person reads out: its 查询码 or number, in any case, spaced, with or without dashes."""

from obligations.cases.lookup import cases_matching, code_key, public_ref_of
from obligations.cases.services import case_status
from obligations.models import Case
from tests.cases.support import at, open_case, public_complaint


def test_only_the_letters_and_digits_of_a_typed_code_count():
    assert code_key(" 7vpg zepn-9a2b ") == "7VPGZEPN9A2B"
    assert public_ref_of("7vpgzepn9a2b") == public_ref_of("7VPG—ZEPN 9A2B") == "7VPG-ZEPN-9A2B"
    assert public_ref_of("7VPG-ZEPN") == "" and public_ref_of("7VPG-ZEPN-9A2B-X") == ""


def test_a_case_matches_its_code_or_its_number_whole_or_in_part(signed_letter):
    platform = signed_letter.platform
    first, second = open_case(platform), open_case(platform)
    ref = first.public_ref

    def found(text):
        return set(cases_matching(Case.objects.all(), text).values_list("number", flat=True))

    assert found(ref.lower().replace("-", " ")) == {first.number}
    assert found(ref[10:].lower()) >= {first.number}  # the last group alone
    assert found("ts2026000002") == found("TS-2026-000002") == {second.number}
    assert found("- —") == set()  # nothing to look for finds nothing, never everything


def test_the_public_lookup_takes_the_code_however_typed_and_still_wants_the_contact(signed_letter):
    case = public_complaint(signed_letter.platform, at(2026, 11, 2, 10))
    typed = case.public_ref.replace("-", "").lower()
    assert case_status(signed_letter.platform, typed, "13800000000") == case
    assert case_status(signed_letter.platform, typed, "13900000000") is None
    assert case_status(signed_letter.platform, case.public_ref[:9], "13800000000") is None  # a part is not enough here
