"""One duty, one obligation: a clause's sub-items and the sentences and phrases that promise
different things become separate proposals, each with its own words and spans; a promise no
proposal covers is flagged; every deadline stored is a deadline shown."""

import json
import re
from io import StringIO

import pytest

from obligations.letters.duties import promises, split_duties
from obligations.letters.intake import apply_edits, propose
from obligations.letters.parser import parse_letter
from obligations.views.intake import _rows
from tests.letters.duty_cases import CASES

UNIT = {"minutes": "分钟", "hours": "小时", "days": "日", "workdays": "工作日"}
BLANK = re.compile(r"^\{\w+\}$")


def shown(value):
    return "□" if isinstance(value, str) and BLANK.match(value) else str(value)


def describe(p) -> str:
    spec = p.spec
    if spec is None:
        return "未覆盖" if p.uncovered else "—"
    if spec["kind"] == "calendar":
        period = "□" if BLANK.match(str(spec["period"])) else spec["period"]
        text = f"calendar {period} ×{shown(spec['count'])}"
        if "due_days_after_period" in spec:
            text += f" +{shown(spec['due_days_after_period'])}日"
    elif spec["kind"] == "event":
        steps = " ".join(f"{shown(d['amount'])}{UNIT[d['unit']]}" for d in spec["deadlines"])
        text = f"event {spec['trigger']} {steps}"
    else:
        text = f"one_time {shown(spec['one_time_days'])}"
    if "retention_years" in spec:
        text += f" 留存{shown(spec['retention_years'])}年"
    if spec["responsible_role"] == "supervisor":
        text += " supervisor"
    return text


def draft_of(text):
    return propose(parse_letter("服务承诺书\n" + text + "\n承诺人签名:____\n"))


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:12] for c in CASES])
def test_each_duty_is_its_own_proposal(text, expected):
    draft = draft_of(text)
    assert [(p.number, describe(p)) for p in draft.clauses] == expected


def test_the_table_holds_forty_clauses_of_several_duties_each():
    assert sum(1 for _text, expected in CASES if len(expected) >= 2) >= 40


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:12] for c in CASES])
def test_duties_keep_the_letters_words_and_cover_every_promise(text, expected):
    draft = draft_of(text)
    position = 0
    for p in draft.clauses:  # each duty's words, in the order the letter says them
        position = text.index(p.text, position) + len(p.text)
        for span in p.spans:
            assert 0 <= span["start"] < span["end"] <= len(p.text), p.number
    for p in draft.clauses:  # a promise is an obligation's, or flagged with its words marked
        if p.spec is None and promises(p.text):
            assert p.uncovered and p.flagged and "未覆盖" in "".join(p.notes), p.number


def _accepted_as_shown(p, row, draft):
    """What accepting the review form exactly as shown stores for the proposal."""
    form = row["form"]
    data = {f"{form.prefix}-{name}": value for name, value in form.initial.items() if value not in (None, "", False)}
    data[f"{form.prefix}-include"] = "on" if form.initial.get("include") else ""
    bound = type(form)(data, prefix=form.prefix, spec=p.spec, blanks=draft.blanks)
    assert bound.is_valid(), bound.errors
    apply_edits(p, bound.cleaned_data)
    return p.spec


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:12] for c in CASES])
def test_every_deadline_stored_is_a_deadline_shown(text, expected):
    draft = draft_of(text)
    rows = _rows(draft)
    for row in rows:
        p = row["proposal"]
        proposed = [(str(d["amount"]), d["unit"]) for d in (p.spec or {}).get("deadlines", [])]
        in_form = [(str(row["form"].initial[f"amount{i}"]), row["form"].initial[f"unit{i}"])
                   for i in range(1, 10) if f"amount{i}" in row["form"].initial]
        assert proposed == in_form, p.number
        for amount, _unit in proposed:  # each is in the clause's words, or a blank named under it
            assert amount in p.addendum if BLANK.match(amount) else any(
                s["means"].startswith("deadline:") and s["means"].split(":")[1].split()[0] == amount
                for s in p.spans), p.number
        stored = _accepted_as_shown(p, row, draft)
        assert [(str(d["amount"]), d["unit"]) for d in (stored or {}).get("deadlines", [])] == in_form, p.number


def test_json_gives_each_duty_its_entry_with_its_parents_number(tmp_path):
    from django.core.management import call_command

    letter = tmp_path / "letter.txt"
    letter.write_text("安全承诺书\n二、具体措施\n1.平台落实以下措施:\n①每日巡检;\n②发现漏洞后24小时内修复。\n", encoding="utf-8")
    out = StringIO()
    call_command("parse_letter", str(letter), "--json", stdout=out)
    clauses = json.loads(out.getvalue())["clauses"]
    assert [(c["number"], c["text"], c["kind"]) for c in clauses] == [
        ("二.1.①", "每日巡检", "calendar"), ("二.1.②", "发现漏洞后24小时内修复。", "event")]
    assert clauses[1]["deadlines"] == [{"amount": 24, "unit": "hours"}]
    assert clauses[1]["spans"][-1] == {"start": 5, "end": 10, "means": "deadline:24 hours"}


def test_a_clause_promising_one_thing_stays_whole():
    parts = split_duties("平台建立用户反馈闭环机制,对投诉举报在24小时内响应,7日内给出处理意见。")
    assert [(p.suffix, p.start, p.promise) for p in parts] == [("", 0, "clock")]


def test_a_heading_line_is_no_duty():
    text = "技术安全保障\n平台每日巡检。平台及时修复漏洞。"
    parts = split_duties(text, skip=len("技术安全保障") + 1)
    assert [text[p.start:p.end] for p in parts] == ["平台每日巡检。", "平台及时修复漏洞。"]


def test_markers_must_count_from_one():
    # (2) alone, or a date's 3., is no list.
    assert [p.suffix for p in split_duties("平台依照第(2)项执行,每日巡检。")] == [""]
    assert [p.suffix for p in split_duties("平台落实:②每日巡检;③每周例会。")] == ["1", "2"]


def test_the_accepted_clause_keeps_its_whole_text_with_every_blank_a_placeholder():
    draft = draft_of("1.平台由____(部门名称)负责以下工作:\n①每日开展____次巡检;\n②发现故障后____小时内恢复。")
    first, second = draft.clauses
    assert first.parent == second.parent == "1" and first.whole == second.whole
    assert "__" not in first.whole and first.whole.count("{b") == 3
    assert first.source in first.whole and second.source in first.whole  # the same placeholders
    assert "部门名称" in {b["label"] for b in draft.blanks}  # the blank the duties hang from is the letter's too
