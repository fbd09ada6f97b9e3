"""Splitting letters: numbering and sections, the two seed letters, collections, the command."""

import json
from io import StringIO
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from obligations.letters.parser import parse_letter, parse_letters, read_document

FIXTURES = Path(__file__).parent / "fixtures"
SCHEDULE_KEYS = ("kind", "frequency", "count", "deadlines", "retention", "continuous",
                 "advance_notice_days", "needs_review")


def test_sub_items_in_another_style_are_duties_of_their_clause():
    letter = parse_letter("承诺书\n一、具体行动\n1.平台建立以下制度:\n(1)值班制度;\n(2)报告制度。\n2.平台每日巡检。\n").to_json()
    assert [c["number"] for c in letter["clauses"]] == ["一.1.1", "一.1.2", "一.2"]
    assert [c["text"] for c in letter["clauses"][:2]] == ["值班制度", "报告制度。"]
    assert letter["clauses"][0]["continuous"] is True


def test_chapters_and_articles():
    letter = parse_letter("第一章 总则\n第一条 平台遵守法律法规。\n第二章 具体承诺\n第二条 平台每月开展一次自查。\n").to_json()
    assert [s["title"] for s in letter["sections"]] == ["总则", "具体承诺"]
    assert [(c["number"], c["section_title"]) for c in letter["clauses"]] == [("一.1", "总则"), ("二.2", "具体承诺")]


def test_full_width_title_part_and_dated_signature():
    letter = parse_letter("数据安全承诺书第（３）篇\n１．平台每日巡检一次。\n承诺单位（盖章）：\n2026年11月2日\n").to_json()
    assert (letter["title"], letter["part"]) == ("数据安全承诺书", "第（３）篇")
    assert letter["signature"] == "承诺单位（盖章）：\n2026年11月2日"
    assert [c["number"] for c in letter["clauses"]] == ["1"]


def test_page_chrome_lines_are_dropped():
    letter = parse_letter("承诺书\nPAGE\n1.平台每日巡检一次。\n第 1 页 共 2 页\n2.平台每周例会一次。\n").to_json()
    assert [c["text"] for c in letter["clauses"]] == ["平台每日巡检一次。", "平台每周例会一次。"]


# --- the seed letters -----------------------------------------------------------------------

def seed(name):
    return parse_letter((FIXTURES / name).read_text(encoding="utf-8")).to_json()


def by_number(letter):
    return {c["number"]: c for c in letter["clauses"]}


def test_seed_letter_1_structure():
    letter = seed("letter1.txt")
    assert letter["title"] == "线上服务平台规范运营承诺书"
    assert letter["part"] == "第(1)篇"
    assert letter["preamble"] == "为保证__________工作顺利开展:"
    assert [s["title"] for s in letter["sections"]] == ["基本事项", "基本准则", "具体行动", "监督机制"]
    # 三.2 (daily checks; 及时处置异常) and 三.4 (staff on 7×24; an average response time) promise two things each.
    expected = [f"一.{n}" for n in range(1, 5)] + [f"二.{n}" for n in range(1, 5)] + \
               ["三.1", "三.2.1", "三.2.2", "三.3", "三.4.1", "三.4.2"] + [f"三.{n}" for n in range(5, 9)] + \
               [f"四.{n}" for n in range(1, 5)]
    assert [c["number"] for c in letter["clauses"]] == expected
    assert letter["signature"] == "承诺人签名:__________\n签订日期:__________"
    assert [b["name"] for b in letter["signature_blanks"]] == ["承诺人签名", "签订日期"]
    assert by_number(letter)["三.2.1"]["section_title"] == "具体行动"


def test_seed_letter_1_clauses():
    c = by_number(seed("letter1.txt"))
    assert (c["三.2.1"]["frequency"], c["三.2.1"]["count"], c["三.2.1"]["needs_review"]) == ("daily", "blank", False)
    assert (c["三.2.2"]["kind"], c["三.2.2"]["needs_review"]) == ("event", True)  # 及时处置: a clock left open
    assert (c["三.3"]["frequency"], c["三.3"]["count"]) == ("monthly", "blank")
    assert c["三.3"]["retention"] == {"amount": "blank", "unit": "years"}
    assert (c["三.4.1"]["continuous"], c["三.4.1"]["kind"]) == (True, "calendar")  # attested once a period
    assert c["三.4.2"]["deadlines"] == [] and c["三.4.2"]["kind"] == "calendar"  # an average: a measure, no clock
    assert [b["type"] for b in c["三.4.1"]["blanks"] + c["三.4.2"]["blanks"]] == ["int", "int"]
    assert (c["三.5"]["frequency"], c["三.5"]["count"]) == ("quarterly", "blank")
    assert (c["三.8"]["frequency"], c["三.8"]["count"]) == ("monthly", "blank")
    assert c["四.3"]["deadlines"] == [{"amount": "blank", "unit": "hours"}, {"amount": 7, "unit": "days"}]
    assert c["四.3"]["kind"] == "event"
    assert c["四.4"]["needs_review"] is True and c["四.4"]["frequency"] is None
    assert c["一.2"]["blanks"] == [{"name": "《…网络安全法》", "is_parameter": False, "type": "text"}]
    assert [b["name"] for b in c["一.3"]["blanks"]] == ["服务对象类型", "服务内容描述"]
    assert {c[n]["kind"] for n in ("三.1", "三.6", "四.2")} == {"one_time"}
    assert {c[f"二.{n}"]["kind"] for n in range(1, 5)} == {"none"}
    assert [n for n in c if c[n]["needs_review"]] == ["三.2.2", "三.4.1", "三.4.2", "四.4"]


def test_seed_letter_1_blank_names_are_unique():
    letter = seed("letter1.txt")
    names = [b["name"] for b in letter["preamble_blanks"] + letter["signature_blanks"]]
    names += [b["name"] for c in letter["clauses"] for b in c["blanks"]]
    assert len(names) == len(set(names)) == 17


def test_seed_letter_1_gb18030_reads_the_same():
    from obligations.letters.reading import read_letter

    data = (FIXTURES / "letter1.gb18030.txt").read_bytes()
    assert parse_letter(read_letter(data, "letter1.gb18030.txt")).to_json() == seed("letter1.txt")


def test_seed_letter_2():
    letter = seed("letter2.txt")
    assert letter["part"] == "第(2)篇"
    assert letter["preamble"] == "承诺方类型:□企业□个人□其他__________"
    c = by_number(letter)
    assert [n.rsplit(".", 1)[0] for n in c] == ["一.1"] * 4 + ["一.2"] * 5 + ["一.3"] * 4 + ["二.1"] * 4 + ["二.2"] * 4
    assert {c[n]["heading"] for n in c if n.startswith("一.1.")} == {"服务内容规范"}
    assert c["一.1.1"]["text"].startswith("承诺方保证所提供的线上服务内容合法合规")  # the heading is no duty's words
    regular = [n for n in c if "定期" in c[n]["text"]]
    assert regular == ["一.1.2", "一.2.5", "二.1.2", "二.2.2"]
    assert all(c[n]["needs_review"] and c[n]["kind"] == "calendar" for n in regular)
    assert (c["一.3.3"]["kind"], c["一.3.3"]["needs_review"]) == ("one_time", False)
    assert letter["signature"] == ""


def test_a_collection_splits_into_its_letters():
    both = "".join((FIXTURES / name).read_text(encoding="utf-8") for name in ("letter1.txt", "letter2.txt"))
    first, second = parse_letters(both)
    assert first.to_json() == seed("letter1.txt")
    assert [c.number for c in second.clauses] == [c["number"] for c in seed("letter2.txt")["clauses"]]
    three = parse_letters(both + both)
    assert [letter.part for letter in three] == ["第(1)篇", "第(2)篇", "第(1)篇", "第(2)篇"]


# --- a document as pasted: chrome, several letters, other styles ------------------------------

PAGE = (FIXTURES / "seed_page.txt").read_text(encoding="utf-8")  # the web page, as scraped


def test_the_seed_page_as_it_stands_gives_its_two_letters():
    document = read_document(PAGE)
    first, second = (letter.to_json() for letter in document.letters)
    assert first == seed("letter1.txt")  # title, preamble, 一.1 … 四.4, signature: as the bare letter
    assert second == seed("letter2.txt")  # cut short after 二.2, the page's tail left out
    assert (first["title"], first["part"]) == ("线上服务平台规范运营承诺书", "第(1)篇")
    assert first["preamble"] == "为保证__________工作顺利开展:"
    assert [c["number"] for c in first["clauses"]][:5] == ["一.1", "一.2", "一.3", "一.4", "二.1"]
    assert first["clauses"][-1]["number"] == "四.4"
    assert [(b["name"], b["type"]) for b in first["signature_blanks"]] == [("承诺人签名", "text"), ("签订日期", "date")]
    assert (second["title"], second["part"], second["signature"]) == ("线上服务平台规范运营承诺书", "第(2)篇", "")
    assert second["clauses"][-1]["number"] == "二.2.4" and second["clauses"][-1]["text"].endswith("对于关键服务环节,承诺方")


def test_no_line_of_the_page_chrome_reaches_a_letter():
    document = read_document(PAGE)
    left_out = [line.text for line in document.lines if line.left_out]
    terms = [line for line in left_out if line.startswith(tuple(f"{n}. {n}、" for n in range(1, 8)))]
    assert len(left_out) == 20 and len(terms) == 7  # the download terms, numbered like clauses
    assert "线上服务平台规范运营承诺书5篇.docxVIP" in left_out and "线上服务平台规范运营承诺书5篇" in left_out
    for letter in document.letters:
        words = [letter.title, letter.preamble, letter.signature] + [c.text for c in letter.clauses]
        assert set(left_out).isdisjoint(line for word in words if word for line in word.split("\n"))
        assert not any(w in word for w in ("VIP", "原创力", "文档评论", "PAGE", "下载") for word in words if word)
    assert [line.letter for line in document.lines if not line.left_out][0] == 0
    assert {line.letter for line in document.lines if not line.left_out} == {0, 1}


def test_parse_letter_of_the_page_is_its_first_letter():
    assert parse_letter(PAGE).to_json() == seed("letter1.txt")


def test_three_letters_in_one_file_are_three_letters():
    third = ("线上服务平台规范运营承诺书第(3)篇\n本平台每日开展一次安全检查。\n本平台每季度向主管部门报送运营报告。\n"
             "法定代表人:__________\n日期:____年__月__日\n")
    text = PAGE.replace("您可能关注的文档", third + "您可能关注的文档")
    letters = parse_letters(text)
    assert [letter.part for letter in letters] == ["第(1)篇", "第(2)篇", "第(3)篇"]
    # the second, cut short and unsigned, ends where the third's title begins
    assert letters[1].clauses[-1].text.endswith("对于关键服务环节,承诺方")
    assert [(c.number, c.reading.frequency) for c in letters[2].clauses] == [("1", "daily"), ("2", "quarterly")]
    assert [(b.name, b.type) for b in letters[2].signature_blanks] == [("法定代表人", "text"), ("日期", "date")]


ANOTHER_STYLE = """数据安全承诺书
致XX市互联网信息办公室:
为规范平台运营,保护用户合法权益,我公司郑重承诺如下:
本公司每日开展一次安全巡检,发现隐患立即处置。
本公司对用户投诉在24小时内响应,5个工作日内办结。
本公司每季度向主管部门报送运营报告。
特此承诺。
承诺单位(盖章):__________
法定代表人(签字):
日期:____年__月__日
"""


def test_a_letter_without_numbering_reads_each_promising_paragraph_as_a_clause():
    letter = parse_letter(ANOTHER_STYLE).to_json()
    assert letter["title"] == "数据安全承诺书"
    assert letter["preamble"] == "致XX市互联网信息办公室:\n为规范平台运营,保护用户合法权益,我公司郑重承诺如下:"
    c = by_number(letter)
    assert list(c) == ["1.1", "1.2", "2", "3"]  # paragraph 1 promises two things: a duty each
    assert (c["1.1"]["frequency"], c["1.1"]["count"]) == ("daily", 1)
    assert c["1.2"]["text"] == "发现隐患立即处置。" and c["1.2"]["kind"] == "event"
    assert c["2"]["kind"] == "event" and c["2"]["deadlines"] == [{"amount": 24, "unit": "hours"},
                                                                  {"amount": 5, "unit": "working_days"}]
    assert c["3"]["frequency"] == "quarterly"
    assert letter["signature"].startswith("特此承诺。\n承诺单位")
    assert [(b["name"], b["type"]) for b in letter["signature_blanks"]] == \
           [("承诺单位", "text"), ("法定代表人", "text"), ("日期", "date")]
    assert letter["signing_date"] is None


def test_a_form_field_before_the_numbered_clauses_stays_in_the_preamble():
    letter = parse_letter("数据安全承诺书\n本公司郑重承诺遵守以下规定。\n联系人:张三\n一、基本事项\n"
                          "1.平台每日巡检一次。\n承诺人:__________\n").to_json()
    assert letter["preamble"] == "本公司郑重承诺遵守以下规定。\n联系人:张三"
    assert [c["number"] for c in letter["clauses"]] == ["一.1"] and letter["signature"] == "承诺人:__________"


@pytest.mark.parametrize("text", ["平台每日开展一次安全检查。", "平台每日开展一次安全检查"])
def test_one_unnumbered_sentence_is_one_clause(text):
    letter = parse_letter(text).to_json()
    assert (letter["title"], letter["preamble"]) == (None, "")
    assert [(c["number"], c["text"], c["frequency"]) for c in letter["clauses"]] == [("1", text, "daily")]


def test_sentences_with_no_word_of_promise_are_still_the_letters_clauses():
    letter = parse_letter("致主管部门:\n本公司的客服电话为400-000-0000。\n").to_json()
    assert letter["preamble"] == "致主管部门:"
    assert [c["text"] for c in letter["clauses"]] == ["本公司的客服电话为400-000-0000。"]


# --- the command ----------------------------------------------------------------------------

def test_command_prints_the_contract_as_json():
    from django.core.management import call_command

    out = StringIO()
    call_command("parse_letter", str(FIXTURES / "letter1.txt"), "--json", stdout=out)
    letter = json.loads(out.getvalue())
    assert {"title", "preamble", "signature", "clauses"} <= set(letter)
    clause = letter["clauses"][0]
    assert set(SCHEDULE_KEYS) | {"number", "section", "section_title", "text", "blanks", "spans"} <= set(clause)
    assert "线上服务平台" in out.getvalue()  # ensure_ascii=False


def test_command_table_and_refusal(tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = StringIO()
    call_command("parse_letter", str(FIXTURES / "letter2.txt"), "--language", "en", stdout=out)
    assert "二.2.3" in out.getvalue() and "21 clauses" in out.getvalue()
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="文件为空"):
        call_command("parse_letter", str(empty), "--json")


def test_command_takes_any_letter_of_a_page():
    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = StringIO()
    call_command("parse_letter", str(FIXTURES / "seed_page.txt"), "--letter", "2", "--json", stdout=out)
    assert json.loads(out.getvalue()) == seed("letter2.txt")
    out = StringIO()
    call_command("parse_letter", str(FIXTURES / "seed_page.txt"), "--language", "en", stdout=out)
    assert "letter 1 of 2; 20 lines left out" in out.getvalue() and "四.4" in out.getvalue()
    with pytest.raises(CommandError, match="共有 2 篇"):
        call_command("parse_letter", str(FIXTURES / "seed_page.txt"), "--letter", "3")


PIECES = ["一、", "（二）", "1.", "2、", "3）", "①", "第三条", "第一章", "每日", "每两年", "每10天", "____", "（  ）",
          "(平台名称)", "《", "》", "次", "名", "小时内", "个工作日内", "7×24小时", "留存至少", "提前", "不低于5%",
          "定期", "及时", "自收到投诉之日起", "最多不超过", "半", "两", "十二", "３", ",", "。", "\n", "承诺人签名:",
          "平台", "开展", "检查", " "]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40))
def test_any_text_parses_and_spans_stay_inside_their_clause(pieces):
    letter = parse_letter("".join(pieces)).to_json()
    json.dumps(letter, ensure_ascii=False)
    for clause in letter["clauses"]:
        assert clause["kind"] in {"calendar", "event", "one_time", "none"}
        for span in clause["spans"]:
            assert 0 <= span["start"] < span["end"] <= len(clause["text"])
