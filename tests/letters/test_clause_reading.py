"""Reading clauses: one table of real-looking clauses covering every pattern family, each
parsed as a one-clause letter (so its numbering style is read too), and the span offsets."""

import pytest

from obligations.letters.clause_reading import cn_to_int, read_clause
from obligations.letters.parser import parse_letter

SCHEDULE_KEYS = ("kind", "frequency", "count", "deadlines", "retention", "continuous",
                 "advance_notice_days", "needs_review")


def expect(**fields):
    """The schedule part of a clause: every key not given is asserted to be empty."""
    base = {"kind": "none", "frequency": None, "count": None, "deadlines": [], "retention": None,
            "continuous": False, "advance_notice_days": None, "needs_review": False}
    extra = {k: fields.pop(k) for k in ("number", "blanks", "means") if k in fields}
    assert set(fields) <= set(base), fields
    return {**base, **fields}, extra


def hours(n):
    return {"amount": n, "unit": "hours"}


def days(n):
    return {"amount": n, "unit": "days"}


def minutes(n):
    return {"amount": n, "unit": "minutes"}


CASES = [
    # numbering styles × frequencies and counts
    ("1.平台每日开展2次安全巡检。", expect(kind="calendar", frequency="daily", count=2, number="1")),
    ("1、平台每周召开一次安全例会。", expect(kind="calendar", frequency="weekly", count=1, number="1")),
    ("（一）平台每旬汇总一次用户投诉台账。", expect(kind="calendar", frequency="ten_day", count=1, number="1")),
    ("(二)平台每月开展不少于3次数据备份演练。", expect(kind="calendar", frequency="monthly", count=3, number="2")),
    ("3）平台每季度组织至少两次应急演练。", expect(kind="calendar", frequency="quarterly", count=2, number="3")),
    ("4)平台每半年开展一次等级保护自查。", expect(kind="calendar", frequency="half_yearly", count=1, number="4")),
    ("①平台每年开展一次个人信息保护合规审计。", expect(kind="calendar", frequency="yearly", count=1, number="1")),
    ("（3）平台每两年委托专业机构开展一次合规审计。",
     expect(kind="calendar", frequency="biennial", count=1, number="3")),
    ("第五条 平台每年度向主管部门提交一次年度报告。",
     expect(kind="calendar", frequency="yearly", count=1, number="5")),
    ("１．平台每天开展３次日志检查。", expect(kind="calendar", frequency="daily", count=3, number="1")),
    ("②平台每三个月更新一次风险评估报告。", expect(kind="calendar", frequency="quarterly", count=1, number="2")),
    ("2.平台每个月对客服录音开展抽检，抽检比例不低于5%。",
     expect(kind="calendar", frequency="monthly", number="2", means=["ratio:不低于5%"])),
    ("一、平台每月按时足额缴纳服务保证金。", expect(kind="calendar", frequency="monthly", number="1")),
    ("13.平台每6个月开展一次渗透测试。", expect(kind="calendar", frequency="half_yearly", count=1, number="13")),
    ("12.平台每10天开展一次巡查。", expect(kind="calendar", count=1, needs_review=True, means=["interval:10天"])),
    # blank styles
    ("1.平台每日开展____次巡检。", expect(kind="calendar", frequency="daily", count="blank",
                                  blanks=[{"name": "巡检次数", "is_parameter": True, "type": "int"}])),
    ("2.平台每周开展＿＿＿次漏洞扫描。", expect(kind="calendar", frequency="weekly", count="blank",
                                      blanks=[{"name": "漏洞扫描次数", "is_parameter": True, "type": "int"}])),
    ("3.平台每月开展（    ）次内容审核抽查。", expect(kind="calendar", frequency="monthly", count="blank",
                                          blanks=[{"name": "内容审核抽查次数", "is_parameter": True,
                                                   "type": "int"}])),
    ("4.平台每季度组织(  )次消防演练。", expect(kind="calendar", frequency="quarterly", count="blank")),
    ("5.平台每年开展【  】次外部审计。", expect(kind="calendar", frequency="yearly", count="blank")),
    ("6.承诺主体为______（平台名称）。",
     expect(blanks=[{"name": "平台名称", "is_parameter": True, "type": "text"}])),
    ("7.平台遵守《____个人信息保护法》等法律法规。",
     expect(blanks=[{"name": "《…个人信息保护法》", "is_parameter": False, "type": "text"}])),
    ("8.平台在收到举报后______小时内完成核查。", expect(kind="event", deadlines=[hours("blank")])),
    ("9.平台提前____日公示服务规则的修改。", expect(advance_notice_days="blank")),
    # numerals: Chinese, 两, 半, full-width digits
    ("1.平台每日开展十二次巡查。", expect(kind="calendar", frequency="daily", count=12)),
    ("2.平台每月开展二十次抽检。", expect(kind="calendar", frequency="monthly", count=20)),
    ("3.平台对重大投诉在两小时内作出响应。", expect(kind="event", deadlines=[hours(2)])),
    ("4.平台发现安全事件后半小时内向负责人报告。", expect(kind="event", deadlines=[minutes(30)])),
    ("5.平台在收到投诉后二十四小时内予以回复。", expect(kind="event", deadlines=[hours(24)])),
    ("6.平台对用户申诉在３个工作日内给出结论。",
     expect(kind="event", deadlines=[{"amount": 3, "unit": "working_days"}])),
    ("7.平台每日巡检不少于十一次。", expect(kind="calendar", frequency="daily", count=11)),
    ("8.平台每周开展两次数据完整性校验。", expect(kind="calendar", frequency="weekly", count=2)),
    ("9.平台一次性告知用户需补正的全部材料。", expect()),
    ("10.用户第一次登录时平台提示隐私政策。", expect()),
    # deadlines after an event: start point, two stages, working days, extension
    ("1.平台自收到投诉之日起15日内办结，情况复杂的可延长，最多不超过30日。",
     expect(kind="event", deadlines=[days(15)], means=["start:收到投诉之日", "extension:30 days"])),
    ("2.平台发现漏洞后3小时内初步核查，24小时内完成修复。", expect(kind="event", deadlines=[hours(3), hours(24)])),
    ("3.平台对一般故障最迟不超过48小时恢复服务。", expect(kind="event", deadlines=[hours(48)])),
    ("4.平台在5个工作日内处理用户的个人信息删除请求。",
     expect(kind="event", deadlines=[{"amount": 5, "unit": "working_days"}])),
    ("5.平台对用户举报应在10分钟内响应，2日内处理完毕。", expect(kind="event", deadlines=[minutes(10), days(2)])),
    ("6.平台受理申请后7天内作出答复，经批准可延长10天。",
     expect(kind="event", deadlines=[days(7)], means=["extension:10 days"])),
    ("7.平台对网络安全事件在1.5小时内完成初步研判。", expect(kind="event", deadlines=[minutes(90)])),
    ("8.自本承诺书签订之日起30日内，平台制定数据安全管理制度。", expect(kind="one_time", deadlines=[days(30)])),
    ("9.平台发生较大网络安全事件的，应在4小时内向主管部门报告。", expect(kind="event", deadlines=[hours(4)])),
    ("10.平台对用户咨询在半天内答复。", expect(kind="event", deadlines=[hours(12)])),
    ("11.平台收到侵权通知后，应在一周内处理。", expect(kind="event", deadlines=[days(7)])),
    ("12.发现漏洞后尽快修复，并在2小时内报告。", expect(kind="event", deadlines=[hours(2)])),
    # continuous duties: attested once a period the officer chooses (7×24 beside a clock: tests/letters/duty_cases.py)
    ("1.平台实行7×24小时安全值班制度。", expect(kind="calendar", needs_review=True, continuous=True)),
    ("2.平台安排专人7*24小时监测系统运行状态。", expect(kind="calendar", needs_review=True, continuous=True)),
    ("4.平台对异常流量进行实时监测。", expect(kind="calendar", needs_review=True, continuous=True)),
    ("5.平台设立24小时值班电话，接受用户举报。", expect(kind="calendar", needs_review=True, continuous=True)),
    # retention in years, months and days
    ("1.平台留存网络日志不少于六个月。", expect(retention={"amount": 6, "unit": "months"})),
    ("2.平台保存交易信息，保存时间自交易完成之日起不少于三年。", expect(retention={"amount": 3, "unit": "years"})),
    ("3.平台对互联网信息服务的内容及访问记录保留60日。", expect(retention={"amount": 60, "unit": "days"})),
    ("4.平台每月开展一次合规审计，审计记录留存至少5年备查。",
     expect(kind="calendar", frequency="monthly", count=1, retention={"amount": 5, "unit": "years"})),
    ("5.平台保存用户身份核验记录半年以上。", expect(retention={"amount": 6, "unit": "months"})),
    ("6.平台对客服通话录音保存____个月。", expect(retention={"amount": "blank", "unit": "months"})),
    ("7.平台将日志保存至2030年。", expect()),
    # advance notice
    ("1.平台修改服务规则的，提前七日在首页公示。", expect(advance_notice_days=7)),
    ("2.平台调整收费标准，应提前不少于30日通知用户。", expect(advance_notice_days=30)),
    ("3.平台停止服务前提前两周书面告知用户。", expect(advance_notice_days=14)),
    ("4.平台暂停服务的，提前3个工作日通知用户。", expect(needs_review=True, means=["advance_notice:3 working_days"])),
    # staffing and ratios are not counts of tasks
    ("1.平台配备2到4名专职网络安全管理人员。", expect(kind="calendar", needs_review=True, means=["staffing:2-4"])),
    ("3.平台每季度抽查不低于5%的商户资质。", expect(kind="calendar", frequency="quarterly", means=["ratio:不低于5%"])),
    ("4.平台投诉处理满意度达到百分之九十五。", expect(kind="calendar", needs_review=True, means=["ratio:达到95%"])),
    # timing words with no number: flagged, never guessed
    ("1.平台定期开展安全自查。", expect(kind="calendar", needs_review=True, means=["review:定期"])),
    ("2.平台适时调整风险防范措施。", expect(kind="calendar", needs_review=True)),
    ("3.平台发现违法信息立即停止传输。", expect(kind="event", needs_review=True)),
    ("4.平台对用户投诉第一时间响应。", expect(kind="event", needs_review=True)),
    ("5.平台及时修复已发现的系统漏洞。", expect(kind="event", needs_review=True)),
    ("6.平台每日巡检系统运行状态，及时发现异常。", expect(kind="calendar", frequency="daily")),
    ("7.平台不定期开展内容抽查。", expect(kind="calendar", needs_review=True)),
    ("8.平台定期向主管部门报送运营报告，每季度不少于一次。", expect(kind="calendar", frequency="quarterly", count=1)),
    ("9.平台建立健全网络安全管理制度。", expect(kind="one_time")),
    ("10.平台坚持合法合规原则。", expect()),
    ("11.平台指定专人负责个人信息保护工作。", expect(kind="one_time")),
    ("12.平台在约定期限内完成整改。", expect()),
]


def only_clause(text):
    letter = parse_letter(text).to_json()
    assert len(letter["clauses"]) == 1, letter
    return letter["clauses"][0]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:14] for c in CASES])
def test_clause_table(text, expected):
    schedule, extra = expected
    clause = only_clause(text)
    assert {k: clause[k] for k in SCHEDULE_KEYS} == schedule
    if "number" in extra:
        assert clause["number"] == extra["number"]
    if "blanks" in extra:
        assert clause["blanks"] == extra["blanks"]
    means = [s["means"] for s in clause["spans"]]
    for meaning in extra.get("means", []):
        assert meaning in means


def test_table_covers_enough_clauses():
    assert len(CASES) >= 60


def test_spans_point_at_what_they_mean():
    clause = only_clause("3.平台发现漏洞后3小时内初步核查，24小时内完成修复，记录留存不少于３年。")
    found = {s["means"]: clause["text"][s["start"]:s["end"]] for s in clause["spans"]}
    assert found["deadline:3 hours"] == "3小时内"
    assert found["deadline:24 hours"] == "24小时内"
    assert found["retention:3 years"] == "留存不少于３年"
    assert found["start:发现漏洞"] == "发现漏洞后"


@pytest.mark.parametrize(("numeral", "value"), [
    ("一", 1), ("两", 2), ("十", 10), ("十一", 11), ("二十", 20), ("二十四", 24), ("一百二十", 120),
    ("一百零五", 105), ("三四", None), ("一两", None)])
def test_chinese_numerals(numeral, value):
    assert cn_to_int(numeral) == value


def test_read_clause_alone_names_nothing_but_finds_blanks():
    reading = read_clause("平台每日开展____次安全检查。").to_json()
    assert reading["count"] == "blank" and reading["blanks"][0]["type"] == "int"
