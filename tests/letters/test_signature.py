"""A letter's signature block: blanks named by their labels, a 年月日 one date blank, and a
filled date read as the letter's signing date."""

import pytest

from obligations.letters.parser import parse_letter
from obligations.letters.signature import signature_blanks


@pytest.mark.parametrize("signature,date,names", [
    ("承诺单位(盖章):\n2026年11月2日", "2026-11-02", ["承诺单位"]),
    ("承诺人:__________\n日期:二〇二六年十一月二日", "2026-11-02", ["承诺人"]),
    ("承诺单位（盖章）：__________\n法定代表人：__________\n日期：____年__月__日", None, ["承诺单位", "法定代表人", "日期"]),
    ("法定代表人:\n    年   月   日", None, ["法定代表人", "日期"]),
    ("承诺人签名:__________  签订日期:______年____月____日", None, ["承诺人签名", "签订日期"]),
    ("法定代表人:__________\n日期:2026年2月30日", None, ["法定代表人", "日期"]),  # no such day: left to fill
])
def test_blanks_are_named_by_their_labels_and_a_stated_date_is_the_signing_date(signature, date, names):
    letter = parse_letter("承诺书\n1.平台每日巡检一次。\n" + signature).to_json()
    assert letter["signature"] == "\n".join(line.strip() for line in signature.splitlines())
    assert letter["signing_date"] == date
    assert [b["name"] for b in letter["signature_blanks"]] == names
    # as they were named before: 期(天), __月__日年限 from the words around a number blank
    assert not any(b["name"].startswith(("期", "_", "\n")) or "年限" in b["name"] for b in letter["signature_blanks"])


def test_a_date_is_one_blank_of_kind_date_spanning_year_month_and_day():
    text = "法定代表人(签字):__________\n日期:____年__月__日"
    blanks, stated = signature_blanks(text)
    assert stated is None
    assert [(b.name, b.type, text[b.start:b.end]) for b in blanks] == [
        ("法定代表人", "text", "__________"), ("日期", "date", "____年__月__日")]


def test_a_filled_date_is_stated_where_it_stands():
    text = "承诺单位:某某科技有限公司\n2026年11月2日"
    blanks, stated = signature_blanks(text)
    assert blanks == [] and (stated.value, text[stated.start:stated.end]) == ("2026-11-02", "2026年11月2日")
