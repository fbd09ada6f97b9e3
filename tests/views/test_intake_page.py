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
    checks = next(r for r in rows if r["proposal"].number == "三.2")["form"].prefix
    data[f"{checks}-title"] = "安全巡检"
    response = client.post(url, data)
    letter = Letter.objects.get()
    assert response.status_code == 302 and response.url == reverse("letter-edit", args=[letter.pk])
    assert letter.template == "own" and letter.state == "draft"
    spec = letter.clauses.get(number="三.2").specs[0]
    assert spec["title"] == "安全巡检" and spec["period"] == "daily"


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
    assert 'id="proposal-三.2"' in html


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
