"""The letter page: preamble and signature filled, clauses by section, added terms and
the obligations each clause raises."""

from obligations.letters.presentation import letter_page, obligation_line


def test_the_signed_seed_letter_reads_as_written(signed_letter):
    page = letter_page(signed_letter)
    assert page["preamble"] == "为保证线上服务平台规范运营工作顺利开展:"
    assert page["signature"].startswith("承诺人签名:示范线上服务平台负责人") and "签订日期:2026-11-02" in page["signature"]
    assert [s["title"] for s in page["sections"]] == ["基本事项", "基本准则", "具体行动", "监督机制"]
    checks = next(c for s in page["sections"] for c in s["clauses"] if c.number == "三.2")
    assert checks.obligation_lines == ["安全检查(每日 × 3)"]
    fixes = next(c for s in page["sections"] for c in s["clauses"] if c.number == "三.8")
    assert "30日内整改" in fixes.addendum and len(fixes.obligation_lines) == 2
    report = next(c for s in page["sections"] for c in s["clauses"] if c.number == "四.1")
    assert report.obligation_lines == ["监督小组(合规部牵头)向管理层汇报(每季度结束后15日内 × 1)"]
    assert report.addendum == "每季度的汇报于该季度结束后15日内完成。"


def test_obligation_lines_say_the_schedule():
    assert obligation_line({"kind": "calendar", "title": "巡检", "period": "daily", "count": 3,
                            "times_of_day": ["09:00", "15:00"]}) == "巡检(每日 × 3 @ 09:00、15:00)"
    line = obligation_line({"kind": "event", "title": "投诉处理", "trigger": "complaint",
                            "deadlines": [{"amount": 24, "unit": "hours"}, {"amount": 7, "unit": "days"}]})
    assert line == "投诉处理(投诉举报:24小时、7日)"
    from django.utils import translation

    with translation.override("en"):
        english = obligation_line({"kind": "event", "title": "投诉处理", "trigger": "complaint",
                                   "deadlines": [{"amount": 24, "unit": "hours"}, {"amount": 1, "unit": "days"}]})
    assert "24 hours" in english and "1 day" in english
    unfilled = [{"amount": None, "unit": "hours"}, {"amount": "{complaint_response_hours}", "unit": "hours"}]
    assert obligation_line({"kind": "event", "title": "投诉处理", "trigger": "complaint", "deadlines": unfilled}) == \
        "投诉处理(投诉举报:?小时、{complaint_response_hours}小时)"  # a draft's blank, shown as it stands
    assert obligation_line({"kind": "one_time", "title": "制定预案", "one_time_days": 30}) == "制定预案(签订后30日内)"
    report = {"kind": "calendar", "title": "运营报告", "period": "monthly", "count": 1, "due_days_after_period": 10}
    assert obligation_line(report) == "运营报告(每月结束后10日内 × 1)"
    with translation.override("en"):
        assert "within 10 days after" in obligation_line(report)


def test_a_deadline_step_in_words_with_its_tier():
    from django.utils import translation

    from obligations.letters.presentation import deadline_phrase

    fix = {"step": "fix", "amount": 30, "unit": "days",
           "tiers": {"serious": {"amount": 5, "unit": "workdays"}, "critical": {"amount": 24, "unit": "hours"}}}
    assert deadline_phrase({"step": "respond", "amount": 24, "unit": "hours"}) == "24小时内响应"
    assert deadline_phrase({"step": "decide", "amount": 7, "unit": "days"}) == "7日内给出处理意见"
    assert [deadline_phrase(fix, s) for s in ("ordinary", "serious", "critical")] == [
        "30日内整改", "5个工作日内整改", "24小时内整改"]
    with translation.override("en"):
        assert deadline_phrase({"step": "respond", "amount": 24, "unit": "hours"}) == "respond within 24 hours"
        assert deadline_phrase({"step": "decide", "amount": 1, "unit": "days"}) == "decide within 1 day"
