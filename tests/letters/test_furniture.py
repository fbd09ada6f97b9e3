"""Lines that are no letter's: a download site's chrome, page numbers, a collection's heading,
told apart from a platform's own clauses that use the same words."""

from pathlib import Path

import pytest

from obligations.letters import furniture

PAGE = (Path(__file__).parent / "fixtures" / "seed_page.txt").read_text(encoding="utf-8")


def lines(text):
    return [line.strip() for line in text.splitlines() if line.strip()]


def test_the_seed_page_chrome_is_all_found():
    page = lines(PAGE)
    found = dict(zip(page, furniture.kinds(page), strict=True))
    terms = [line for line in page if line.startswith(("1. 1、", "2. 2、", "3. 3、", "4. 4、", "5. 5、", "6. 6、", "7. 7、"))]
    assert len(terms) == 7 and {found[line] for line in terms} == {furniture.SITE}
    assert found["线上服务平台规范运营承诺书5篇.docxVIP"] == furniture.SITE
    assert found["线上服务平台规范运营承诺书5篇"] == furniture.COLLECTION
    assert found["第=PAGE1*2-11页(共=NUMPAGES1*22页)"] == found["PAGE"] == furniture.PAGE
    tail = page[page.index("您可能关注的文档"):]
    assert {found[line] for line in tail} == {furniture.SITE}  # 实名认证 too: a badge among chrome
    letter = page[page.index("线上服务平台规范运营承诺书第(1)篇"):page.index("您可能关注的文档")]
    assert {found[line] for line in letter} == {None}


@pytest.mark.parametrize("clause", [
    "平台不得诱导用户下载与服务无关的应用程序。",
    "本站承诺每日开展一次安全检查,发现问题及时处置。",
    "平台保障会员用户的合法权益,不设置歧视性条款。",
    "用户上传的文档,平台保存至少3年。",
    "平台对网友上传的内容进行审核,违规内容立即删除。",
    "VIP用户的投诉,平台在2小时内响应。",
    "线上服务平台规范运营承诺书第(3)篇",
])
def test_a_platforms_own_words_are_not_chrome(clause):
    assert furniture.kind(clause) is None


def test_a_short_line_is_chrome_only_among_chrome():
    assert furniture.kinds(["平台每日巡检一次。", "实名认证", "平台每月自查一次。"]) == [None, None, None]
    assert furniture.kinds(["查看更多", "实名认证", "相关文档"]) == [furniture.SITE] * 3
    assert furniture.kinds(["1/3", "- 2 -", "(本页无正文)", "第 2 页", "Page 3 of 5", "4"]) == [furniture.PAGE] * 6
    assert furniture.kinds(["收藏", "举报", "上一篇:网络安全承诺书", "阅读已结束,下载文档需要3下载券"]) == [furniture.SITE] * 4
