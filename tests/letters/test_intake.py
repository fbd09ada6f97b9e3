"""Letter intake: a parsed letter proposed as clauses and obligations, accepted as a draft
of the platform's own that signs like any other."""

from pathlib import Path

import pytest

from obligations.errors import DomainError
from obligations.letters import template as tpl
from obligations.letters.intake import apply_edits, letter_create_own, propose
from obligations.letters.parser import parse_letter, parse_letters
from obligations.letters.services import letter_fill, letter_sign
from obligations.models import Letter, Obligation
from obligations.work.sweeps import obligations_materialize
from tests.conftest import SIGNED_AT

FIXTURES = Path(__file__).parent / "fixtures"
REF = tpl.REF


def proposals(name):
    return propose(parse_letter((FIXTURES / name).read_text(encoding="utf-8")))


def of_kind(specs, kind):
    """The template's spec of a clause with the kind the proposal read from its words (a
    template clause may raise more, from its added terms)."""
    return next((spec for spec in specs if spec["kind"] == kind), None)


def is_blank(value):
    return isinstance(value, str) and REF.match(value) is not None


# Where the template says more than the letter's words, the difference is Pledge's own
# addition, written in the template as an added term (补充约定), which a reader of the
# seed's text cannot see: 三.4's monthly staffing confirmation; letter 2's 一.2 complaint clock, whose
# respond step joins the sentence before ("响应及时") to "在规定时限内予以处理" as an added term.
TEMPLATE_ADDITIONS = {"platform-operation-1": {"三.4"}, "platform-operation-2": {"一.2"}}
# Duties the seed's words promise that its template does not (yet) raise: 三.2's 及时处置异常情况
# and 一.1's 对违规内容及时采取处理措施 (issue #20 names the latter), each a clock the officer fills.
BEYOND_TEMPLATE = {"platform-operation-1": {"三.2.2"}, "platform-operation-2": {"一.1.3"}}


@pytest.mark.parametrize("fixture,key", [("letter1.txt", "platform-operation-1"),
                                         ("letter2.txt", "platform-operation-2")])
def test_the_seed_letters_parsed_yield_their_templates_obligations(fixture, key):
    draft = proposals(fixture)
    template = tpl.get(key)
    duties = {}
    for p in draft.clauses:  # a clause's duties, in order
        duties.setdefault(p.parent or p.number, []).append(p)
    assert [c["number"] for c in template.clauses] == list(duties)
    for clause in template.clauses:
        if clause["number"] in TEMPLATE_ADDITIONS[key]:
            continue
        specs = [(p.number, p.spec) for p in duties[clause["number"]]
                 if p.spec and p.number not in BEYOND_TEMPLATE[key]]
        if not clause["obligations"]:
            assert specs == [], clause["number"]
        for number, got in specs:
            expected = of_kind(clause["obligations"], got["kind"])
            assert expected is not None, number
            _same_schedule(number, got, expected)


def _same_schedule(number, got, expected):
    if expected["kind"] == "calendar":
        # A literal period is read; a period the template leaves to a blank (定期) is a blank here too.
        assert is_blank(got["period"]) == is_blank(expected["period"]), number
        if not is_blank(expected["period"]):
            assert got["period"] == expected["period"], number
        assert is_blank(got["count"]) == is_blank(expected.get("count", 1)), number
    if expected["kind"] == "event":
        assert [(is_blank(d["amount"]) or d["amount"], d["unit"]) for d in got["deadlines"]] == \
               [(is_blank(d["amount"]) or d["amount"], d["unit"]) for d in expected["deadlines"]], number
    if is_blank(expected.get("retention_years")):
        assert is_blank(got.get("retention_years")), number


def test_blanks_where_the_seed_has_blanks():
    draft = proposals("letter1.txt")
    checks = next(p for p in draft.clauses if p.number == "三.2.1")
    assert checks.source.startswith("平台每日开展{b") and "__" not in checks.source
    law = next(p for p in draft.clauses if p.number == "一.2")
    law_blank = next(b for b in draft.blanks if b["name"] in law.source)
    assert law_blank["kind"] == "text" and "网络安全法" in law_blank["label"]
    assert "{sign_date}" in draft.signature and any(b["name"] == "sign_date" and b["kind"] == "date"
                                                    for b in draft.blanks)


@pytest.mark.parametrize("index,fixture", [(0, "letter1.txt"), (1, "letter2.txt")])
def test_the_seed_page_pasted_as_it_stands_proposes_as_the_bare_letters(index, fixture):
    # so the test above holds for the page too: each letter yields its template's obligations
    page = (FIXTURES / "seed_page.txt").read_text(encoding="utf-8")
    draft = propose(parse_letters(page)[index])
    assert draft == proposals(fixture)
    assert draft.title == "线上服务平台规范运营承诺书"


def test_the_preamble_keeps_its_blank_and_the_signature_its_named_blanks():
    draft = proposals("letter1.txt")
    assert draft.preamble.startswith("为保证{b1}工作顺利开展")
    signer = next(b for b in draft.blanks if b["label"] == "承诺人签名")
    assert draft.signature == "承诺人签名:{%s}\n签订日期:{sign_date}" % signer["name"]


SIGNED_LETTER = "承诺书\n1.平台每日巡检一次。\n法定代表人:__________\n日期:%s\n"


def test_a_stated_date_is_the_drafts_signing_date(platform, officer):
    draft = propose(parse_letter(SIGNED_LETTER % "2026年11月2日"))
    assert draft.signature.endswith("日期:{sign_date}")
    assert {"name": "sign_date", "label": "签订日期", "kind": "date", "default": "2026-11-02"} in draft.blanks
    assert next(b for b in draft.blanks if b["name"] in draft.signature.split("{")[1])["label"] == "法定代表人"
    letter = letter_create_own(platform=platform, draft=draft, user=officer, now=SIGNED_AT)
    assert letter.values == {"sign_date": "2026-11-02"}


def test_a_blank_date_is_the_signing_date_left_to_fill():
    draft = propose(parse_letter(SIGNED_LETTER % "____年__月__日"))
    assert draft.signature.endswith("日期:{sign_date}") and "__" not in draft.signature
    assert {"name": "sign_date", "label": "签订日期", "kind": "date"} in draft.blanks


def test_needs_review_comes_first():
    draft = proposals("letter1.txt")
    flagged = [p.flagged for p in draft.review_first]
    assert flagged == sorted(flagged, reverse=True) and flagged.count(True) == 4
    assert [p.number for p in draft.review_first[:4]] == ["三.2.2", "三.4.1", "三.4.2", "四.4"]


def test_a_letter_with_no_recognisable_clause_gives_plain_clauses():
    draft = propose(parse_letter("我们保证依法经营。\n\n每月检查一次服务质量。\n\n发现问题立即整改。"))
    assert [p.number for p in draft.clauses] == ["1", "2", "3"]
    assert draft.clauses[1].spec["period"] == "monthly"


def sign_own(platform, officer, draft, **signing):
    letter = letter_create_own(platform=platform, draft=draft, user=officer, now=SIGNED_AT)
    values = {b["name"]: {"int": 2, "period": "monthly", "date": SIGNED_AT.date().isoformat(),
                          "text": "甲", "choice": None}[b["kind"]] for b in letter.blanks}
    letter_fill(letter=letter, values={k: v for k, v in values.items() if v is not None}, user=officer, now=SIGNED_AT)
    return letter_sign(letter=letter, user=officer, now=SIGNED_AT, **signing)


def test_an_accepted_letter_signs_and_raises_tasks(platform, officer):
    draft = proposals("letter1.txt")
    checks = next(p for p in draft.clauses if p.number == "三.2.1")
    apply_edits(checks, {"include": True, "kind": "calendar", "title": "安全巡检", "count": "3"})
    letter = sign_own(platform, officer, draft)
    assert letter.template == "own" and letter.state == "signed"
    ob = Obligation.objects.get(platform=platform, key="三.2.1")
    assert (ob.title, ob.period, ob.count) == ("安全巡检", "daily", 3)
    assert Obligation.objects.get(platform=platform, key="四.4").period == "monthly"  # 定期, filled
    obligations_materialize(now=SIGNED_AT)
    assert ob.occurrences.filter(due_at__gt=SIGNED_AT).exists()


def test_nothing_is_stored_before_acceptance_and_a_second_draft_is_refused(platform, officer):
    draft = proposals("letter2.txt")
    assert not Letter.objects.exists()
    letter_create_own(platform=platform, draft=draft, user=officer, now=SIGNED_AT)
    with pytest.raises(DomainError, match="已有一份草稿"):
        letter_create_own(platform=platform, draft=proposals("letter2.txt"), user=officer, now=SIGNED_AT)


def test_a_wrong_correction_is_refused_with_the_clause_named(platform, officer):
    draft = proposals("letter1.txt")
    checks = next(p for p in draft.clauses if p.number == "三.2.1")
    apply_edits(checks, {"include": True, "kind": "calendar", "count": "{nosuchblank}"})
    with pytest.raises(DomainError, match="三.2.1"):
        letter_create_own(platform=platform, draft=draft, user=officer, now=SIGNED_AT)
    assert not Letter.objects.exists()


def test_a_report_due_days_after_its_period_is_proposed_so_and_signs(platform, officer):
    text = ("线上服务承诺书\n一、监督机制\n1. 监督小组每季度结束后15日内向管理层汇报运营情况。\n"
            "2. 平台每月结束后____日内向主管部门报送运营报告。\n3. 平台每季度开展培训,发现问题15日内整改。\n"
            "承诺人:____ 日期:____\n")
    draft = propose(parse_letter(text))
    report, regulator, training, fix = (p.spec for p in draft.clauses[:4])
    assert (fix["kind"], fix["trigger"], fix["deadlines"][0]["amount"]) == ("event", "finding", 15)
    assert (report["period"], report["due_days_after_period"]) == ("quarterly", 15)
    assert regulator["period"] == "monthly" and is_blank(regulator["due_days_after_period"])
    assert "due_days_after_period" not in training  # 15日内 counts from a finding, not from the quarter's end
    letter = sign_own(platform, officer, draft)
    assert Obligation.objects.get(platform=letter.platform, key=draft.clauses[0].number).due_days_after_period == 15
