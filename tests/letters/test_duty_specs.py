"""Readings of a proposed duty: a measure per period, the supervisory group's quarterly report
(completed by the review), standing duties attested, open words left blank, never pre-filled."""

from pathlib import Path

from obligations.letters.intake import propose
from obligations.letters.parser import parse_letter
from obligations.models import Letter, Obligation
from obligations.oversight.reviews import review_open
from obligations.work.sweeps import obligations_materialize
from tests.letters.test_intake import is_blank, sign_own
from tests.oversight.conftest import AFTER_Q4

SEED1 = (Path(__file__).parent / "fixtures" / "letter1.txt").read_text(encoding="utf-8")


def proposal(text, number=None):
    draft = propose(parse_letter("承诺书\n" + text + "\n承诺人签名:____\n"))
    found = next(p for p in draft.clauses if number is None or p.number == number)
    return found, {b["name"]: b for b in draft.blanks}


def blank_of(value, blanks):
    return blanks[value.strip("{}")]


def test_an_average_is_a_measure_reported_per_period_never_a_clock():
    p, blanks = proposal("1.平台设立5名专职客服人员,7×24小时响应用户咨询,平均响应时长不超过10分钟。", "1.2")
    assert p.spec["kind"] == "calendar" and "deadlines" not in p.spec
    assert blank_of(p.spec["period"], blanks)["kind"] == "period"  # the letter says no period: the officer chooses
    monthly, _ = proposal("1.平台平均响应时长不超过10分钟,按月统计。")
    assert (monthly.spec["kind"], monthly.spec["period"]) == ("calendar", "monthly")


def test_a_ratio_is_a_measure():
    p, _ = proposal("1.平台投诉处理满意率不低于95%。")
    assert p.spec["kind"] == "calendar" and is_blank(p.spec["period"]) and p.needs_review
    assert any(s["means"] == "ratio:不低于95%" for s in p.spans)


def test_staffing_and_7x24_are_standing_duties_with_an_attestation():
    p, blanks = proposal("1.平台设立5名专职客服人员,7×24小时响应用户咨询,平均响应时长不超过10分钟。", "1.1")
    assert (p.spec["kind"], p.spec["count"], p.spec["responsible_role"]) == ("calendar", 1, "officer")
    assert blank_of(p.spec["period"], blanks)["kind"] == "period" and p.spec["period"] in p.addendum
    assert "持续义务" in p.spec["title"]


def test_the_supervisory_groups_report_is_the_quarterly_reviews(platform, officer):
    draft = propose(parse_letter(SEED1))
    group = next(p for p in draft.clauses if p.number == "四.1")
    assert (group.spec["responsible_role"], group.spec["period"]) == ("supervisor", "quarterly")
    days = blank_of(group.spec["due_days_after_period"], {b["name"]: b for b in draft.blanks})
    assert days["kind"] == "int" and "default" not in days  # the letter names no days: the officer fills them
    assert group.spec["due_days_after_period"] in group.addendum
    sign_own(platform, officer, draft, first_period=Letter.FirstPeriod.CURRENT)  # Q4, under way, is owed
    obligations_materialize(now=AFTER_Q4)
    review, _ = review_open(platform=platform, year=2026, quarter=4, now=AFTER_Q4)
    assert review.task.obligation == Obligation.objects.get(platform=platform, key="四.1")


def test_open_words_carry_a_blank_never_a_number():
    cases = {"1.平台定期开展安全自查。": "period", "1.平台适时更新隐私政策。": "period",
             "1.平台发现违规内容及时处理。": "deadlines", "1.平台收到举报后立即处置。": "deadlines",
             "1.平台立即建立数据安全管理制度。": "one_time_days", "1.平台建立服务记录制度,完整保存服务过程资料。": "retention_years"}
    for text, field in cases.items():
        p, blanks = proposal(text)
        value = p.spec[field][0]["amount"] if field == "deadlines" else p.spec[field]
        assert is_blank(value), text
        assert "default" not in blank_of(value, blanks), text
        assert value in p.addendum, text  # shown under the clause as an added term
    urgent, _ = proposal("1.平台收到举报后立即处置。")
    timely, _ = proposal("1.平台发现违规内容及时处理。")
    assert (urgent.spec["deadlines"][0]["unit"], timely.spec["deadlines"][0]["unit"]) == ("hours", "days")


def test_a_set_up_time_the_letter_writes_is_kept():
    p, _ = proposal("1.自本承诺书签订之日起15日内,平台制定数据安全管理制度。")
    assert p.spec["one_time_days"] == 15 and "setup_days" not in p.addendum


def test_when_signed_the_blanks_become_the_obligations_numbers(platform, officer):
    draft = propose(parse_letter("承诺书\n1.平台定期开展安全自查,及时修复发现的漏洞。\n承诺人签名:____\n"))
    sign_own(platform, officer, draft)  # every blank filled: ints 2, periods monthly
    check, fix = Obligation.objects.filter(platform=platform).order_by("key")
    assert (check.key, check.period) == ("1.1", "monthly")
    assert (fix.key, fix.trigger) == ("1.2", "finding")
    assert fix.deadlines == [{"step": "respond", "amount": 2, "unit": "days"}]
