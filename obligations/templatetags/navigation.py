"""The navigation's one platform menu: the page's platform (else the user's only one) named on
its toggle, with the pages its role opens (trust/access.PLATFORM_PAGES), then the user's other
platforms to switch to. A page of no platform with several lists each platform's pages under
its name. One menu, so two platforms never show two toggles with the same name."""

from dataclasses import dataclass, field

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

register = template.Library()

# The platform pages in the menu's order, each with its label.
PAGES = [
    ("dashboard", _("合规看板")),
    ("occurrence-list", _("任务明细")),
    ("review-list", _("季度审查")),
    ("retention", _("留存期满的佐证材料")),
    ("export-list", _("报告与导出")),
    ("letter-detail", _("承诺书")),
    ("obligation-list", _("义务与执行人")),
    ("audit-log", _("审计日志")),
    ("platform-members", _("成员管理")),
    ("platform-channels", _("群机器人")),
    ("webhook-list", _("事件推送")),
    ("api-tokens", _("接口令牌")),
]


@dataclass
class PlatformMenu:
    current: object = None  # the platform named on the toggle, or None: several, none on the page
    sections: list = field(default_factory=list)  # [(platform, [(url, label), …])]
    others: list = field(default_factory=list)  # [(platform, url of its first page)] to switch to
    switch: bool = False  # several platforms, or the site administrator: the switching part shows


def _links(platform, pages) -> list[tuple[str, str]]:
    return [(reverse(page, args=[platform.slug]), label) for page, label in PAGES if page in pages]


@register.simple_tag(takes_context=True)
def platform_menu(context) -> PlatformMenu | None:
    mine = list(context.get("nav_platforms") or [])
    site_admin = bool(context.get("nav_site_admin"))
    if not mine and not site_admin:
        return None
    page_platform = getattr(context.get("platform"), "slug", None)
    current = next((entry for entry in mine if entry[0].slug == page_platform), None)
    if current is None and len(mine) == 1:
        current = mine[0]
    menu = PlatformMenu(switch=len(mine) > 1 or site_admin)
    if current is not None:
        menu.current = current[0]
        menu.sections = [(current[0], _links(current[0], current[2]))]
        menu.others = [(p, _links(p, pages)[0][0]) for p, _role, pages in mine if p != current[0] and pages]
    else:
        menu.sections = [(p, _links(p, pages)) for p, _role, pages in mine]
    return menu
