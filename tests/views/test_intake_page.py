"""The officer's letter intake page: paste or upload, review, accept; bad input explained."""

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from obligations.letters.reading import MAX_DOCX_UNZIPPED
from obligations.models import Letter, Role
from tests.conftest import make_user
from tests.letters.docx_files import zip_bomb

SEED1 = (Path(__file__).parent.parent / "letters" / "fixtures" / "letter1.txt").read_text(encoding="utf-8")


@pytest.fixture
def url(platform):
    return reverse("letter-intake", args=[platform.slug])


def test_reading_proposes_and_stores_nothing(client, officer, url):
    client.force_login(officer)
    html = client.post(url, {"text": SEED1, "read": "1"}).content.decode()
    assert "需人工核对" in html and 'class="span-frequency"' in html and "三.2" in html
    assert html.index('id="proposal-四.4"') < html.index('id="proposal-一.1"')  # needs review first
    assert not Letter.objects.exists()


def test_accepting_with_a_correction_makes_a_draft(client, officer, url):
    client.force_login(officer)
    page = client.post(url, {"text": SEED1, "read": "1"})
    rows = page.context["rows"]
    data = {"text": SEED1, "accept": "1"}
    for row in rows:
        for name, field in row["form"].fields.items():
            value = row["form"].initial.get(name, field.initial)
            if name == "include":
                if value:
                    data[f"{row['form'].prefix}-{name}"] = "on"
            elif value not in (None, ""):
                data[f"{row['form'].prefix}-{name}"] = value
    checks = next(r for r in rows if r["proposal"].number == "三.2.1")["form"].prefix
    data[f"{checks}-title"] = "安全巡检"
    response = client.post(url, data)
    letter = Letter.objects.get()
    assert response.status_code == 302 and response.url == reverse("letter-edit", args=[letter.pk])
    assert letter.template == "own" and letter.state == "draft"
    clause = letter.clauses.get(number="三.2")  # kept as written, its two duties its obligations
    assert "{" in clause.source and "及时发觉并处置异常情况" in clause.source
    spec, handling = clause.specs
    assert spec["title"] == "安全巡检" and spec["period"] == "daily" and spec["key"] == "三.2.1"
    assert (handling["key"], handling["kind"], handling["trigger"]) == ("三.2.2", "event", "incident")


PAGE = (Path(__file__).parent.parent / "letters" / "fixtures" / "seed_page.txt").read_text(encoding="utf-8")


def test_a_pasted_web_page_offers_its_letters_and_greys_its_chrome(client, officer, url):
    client.force_login(officer)
    response = client.post(url, {"text": PAGE, "read": "1"})
    html = response.content.decode()
    assert response.context["chosen"] == 0 and len(response.context["letters"]) == 2
    assert html.count('type="radio" name="letter"') == 2 and 'id="letter-0" checked' in html  # the choice
    assert "第(1)篇" in html and "第(2)篇" in html and "20 行不是承诺书正文" in html
    greyed = [line["text"] for line in response.context["lines"] if line["state"] == "left-out"]
    assert len(greyed) == 20 and "查看更多" in greyed
    assert html.count('class="doc-line doc-line-left-out text-body-tertiary"') == 20
    assert [r["proposal"].number for r in response.context["rows"]][-1] == "四.3"  # letter 1, needs-review first
    assert 'id="proposal-1"' not in html  # no download term became a clause
    assert response.context["proposal"].title == "线上服务平台规范运营承诺书"


def test_the_officer_takes_the_second_letter_of_the_file(client, officer, url):
    client.force_login(officer)
    page = client.post(url, {"text": PAGE, "letter": "1", "read": "1"})
    assert page.context["chosen"] == 1 and 'id="letter-1" checked' in page.content.decode()
    # One row per duty; the duties' clauses are letter 2's five.
    assert {r["proposal"].parent or r["proposal"].number for r in page.context["rows"]} == {
        "一.1", "一.2", "一.3", "二.1", "二.2"}
    data = {"text": PAGE, "letter": "1", "accept": "1"}
    for row in page.context["rows"]:
        for name, value in row["form"].initial.items():
            if name == "include":
                if value:
                    data[f"{row['form'].prefix}-{name}"] = "on"
            elif value not in (None, ""):
                data[f"{row['form'].prefix}-{name}"] = value
    assert client.post(url, data).status_code == 302
    letter = Letter.objects.get()
    assert letter.preamble.startswith("承诺方类型:") and letter.clauses.get(number="一.1").title == "服务内容规范"


def test_a_page_with_no_letter_in_it_is_refused_with_a_reason(client, officer, url):
    client.force_login(officer)
    response = client.post(url, {"text": "查看更多\n第 1 页 共 2 页\n相关文档", "read": "1"})
    assert response.status_code == 400 and "没有找到承诺书正文" in response.content.decode()


def docx_bytes(paragraphs):
    import docx

    document = docx.Document()
    for p in paragraphs:
        document.add_paragraph(p)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_a_docx_upload_is_read(client, officer, url):
    client.force_login(officer)
    upload = SimpleUploadedFile("承诺书.docx", docx_bytes(SEED1.splitlines()))
    html = client.post(url, {"file": upload, "read": "1"}).content.decode()
    assert 'id="proposal-三.2.1"' in html and 'id="proposal-三.2.2"' in html


SUB_ITEMS = ("网络安全承诺书\n一、具体措施\n1.平台落实以下安全措施:\n①每日开展2次漏洞扫描;\n"
             "②发现高危漏洞后24小时内完成修复;\n③积极配合公安机关开展调查。\n承诺人签名:____\n")


def test_sub_items_are_reviewed_one_duty_each_and_an_uncovered_promise_is_marked(client, officer, url):
    client.force_login(officer)
    page = client.post(url, {"text": SUB_ITEMS, "read": "1"})
    html = page.content.decode()
    assert [r["proposal"].number for r in page.context["rows"]] == ["一.1.③", "一.1.①", "一.1.②"]  # flagged first
    assert html.count('class="badge text-bg-danger uncovered"') == 1
    assert '<mark class="span-uncovered" title="未覆盖">积极配合公安机关开展调查</mark>' in html
    assert html.count('clause-lead">平台落实以下安全措施:') == 3  # each duty shows the words it hangs from


@pytest.mark.parametrize("name,content,message", [
    ("empty.txt", b"", "文件为空"),
    ("image.docx", None, "没有可读取的文字"),
    ("binary.txt", bytes(range(256)) * 4, "二进制"),
])
def test_bad_files_get_a_clear_message(client, officer, url, name, content, message):
    client.force_login(officer)
    content = docx_bytes([]) if content is None else content
    response = client.post(url, {"file": SimpleUploadedFile(name, content), "read": "1"})
    assert response.status_code == 400 and message in response.content.decode()
    assert not Letter.objects.exists()


def test_a_five_megabyte_paste_stays_in_the_box_with_its_message(officer, url):
    client = Client(enforce_csrf_checks=True)  # the CSRF check reads the body first, as in production
    client.force_login(officer)
    token = client.get(url).context["csrf_token"]
    pasted = "平台每日检查。" * (5 * 1024 * 1024 // 21 + 1)  # 5 MB in UTF-8
    response = client.post(url, {"text": pasted, "read": "1", "csrfmiddlewaretoken": str(token)})
    html = response.content.decode()
    assert response.status_code == 400 and "超过 200,000 字的上限。文本仍在框中" in html and "上传" in html
    assert response.context["form"]["text"].value() == pasted and pasted[:1000] in html
    assert "maxlength" not in html  # a browser would cut a paste at maxlength without a word
    assert not Letter.objects.exists()


def test_a_paste_past_the_request_limit_gets_the_upload_advice(officer, url, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    token = client.get(url).context["csrf_token"]
    response = client.post(url, {"text": "平台每日检查。" * 100_000, "read": "1", "csrfmiddlewaretoken": str(token)})
    assert response.status_code == 400 and "请改为上传 .txt 或 .docx 文件(最多 200,000 字)" in response.content.decode()


def test_the_limits_in_english(client, officer, url):
    client.force_login(officer)
    client.cookies["django_language"] = "en"
    response = client.post(url, {"text": "平台每日检查。" * 30_000, "read": "1"})
    assert response.status_code == 400 and "over the limit of 200,000" in response.content.decode()


@pytest.mark.parametrize("name,content,message", [
    ("bomb.docx", lambda: zip_bomb(MAX_DOCX_UNZIPPED + 1), "解压后超过 32.0 MB"),
    ("broken.docx", lambda: zip_bomb(0, body="<w:p><w:t>1.平台</w:p>".encode()), "XML 无法解析"),
    ("huge.txt", lambda: ("平台每日开展安全检查。\n" * 600_000).encode(), "超过 200,000 字的上限"),
    ("many.txt", lambda: "".join(f"{i}.平台每日巡检。\n" for i in range(1, 600)).encode(), "超过 500 条的上限"),
])
def test_limits_get_their_message(client, officer, url, name, content, message):
    client.force_login(officer)
    response = client.post(url, {"file": SimpleUploadedFile(name, content()), "read": "1"})
    assert response.status_code == 400 and message in response.content.decode()
    assert not Letter.objects.exists()


@pytest.mark.parametrize("role,status", [(Role.STAFF, 403), (Role.AUDITOR, 403), (Role.SUPERVISOR, 403)])
def test_only_the_officer_imports(client, platform, url, role, status):
    client.force_login(make_user("someone", platform, role))
    assert client.get(url).status_code == status
