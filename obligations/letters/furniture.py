"""Lines of a pasted document that are not a letter: page numbers, a download site's chrome
(its terms, buttons, "VIP", the uploader's card), a file name, the heading of a collection.

Pure. The words are a download site's, never a letter's: a platform's letter may well say
下载, 上传, 会员 or 本站, so those count only in a site's own phrases (下载权益, 本站…付费).
"""

from __future__ import annotations

import re

from .clause_reading import fold

PAGE = "page"
SITE = "site"
COLLECTION = "collection"

_PAGE = re.compile(r"^(?:第.{0,20}页.{0,20}共.{0,20}页.*|第\s*\d+\s*页|PAGE|NUMPAGES|-\s*\d+\s*-|\d{1,3}|\d+\s*/\s*\d+"
                   r"|Page\s*\d+(?:\s*of\s*\d+)?|\(本页无正文\))$", re.IGNORECASE)
_SITE = re.compile(
    r"原创力|book118|道客巴巴|豆丁|百度文库|文档贡献者|文档评论|关注的文档|^相关文档|查看更多|展开全文|阅读全文"
    r"|上传文档|版权申诉|侵权必究|该用户很懒|下载权益|精品文档|VIP(?:文档|会员|精品)|成为VIP|^VIP$"
    r"|(?:本站|本文档|该文档)[^。]{0,30}(?:付费|退款)"
    r"|下载券|VIP专享|阅读已结束|继续阅读|^(?:上一篇|下一篇)(?::|$)"
    r"|^(?:举报|收藏|分享|下载|打印|返回顶部|首页|登录|注册|关注|点赞|评论|目录)$"  # a button, alone on its line
    r"|(?<!\d)\d+\*{3,}\d+|\+\s*关注$"  # a masked number, read from its first digit (each was quadratic)
    r"|\.(?:docx?|pdf|wps|txt)(?:VIP)?$")  # a file name: 承诺书5篇.docxVIP
# 承诺书5篇: a collection's heading, not a letter's title (a letter of it is 承诺书第(1)篇).
_COLLECTION = re.compile(r"^.{0,40}(?:承诺书|承诺函|责任书)\s*[0-9一二三四五六七八九十]+\s*篇$")
_SHORT = 12  # a site's button or badge (实名认证) between two lines of chrome


def kind(line: str) -> str | None:
    """Why a line (stripped) is not a letter's: PAGE, SITE, COLLECTION, or None."""
    folded = fold(line)
    if _PAGE.match(folded):
        return PAGE
    if _SITE.search(folded):
        return SITE
    if _COLLECTION.match(folded):
        return COLLECTION
    return None


def _is_badge(line: str) -> bool:
    return len(line) <= _SHORT and not re.search(r"[,。;:、]|承诺|篇$|^[一二三四五六七八九十\d(]", fold(line))


def kinds(lines: list[str]) -> list[str | None]:
    """kind() of each line, and a short badge-like line between site chrome (or after it,
    at the end of the page) is chrome too."""
    found = [kind(line) for line in lines]
    for i, line in enumerate(lines):
        before = found[i - 1] if i else None
        after = next((k for k in found[i + 1:i + 2]), SITE)  # the page's end counts as chrome
        if found[i] is None and before == SITE and after == SITE and _is_badge(line):
            found[i] = SITE
    return found
