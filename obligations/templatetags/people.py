"""How a page names a person: `{% person user platform %}` prints the full name the platform's
officer gave the member (trust/membership.member_names), else the username. The names of a
platform are read once per page, however many rows name someone."""

from django import template

from ..trust.membership import member_names

register = template.Library()


@register.simple_tag(takes_context=True)
def person(context, user, platform) -> str:
    if not user:
        return ""
    platform_id = getattr(platform, "pk", platform)
    # Kept on the page's context, which every included row shares.
    known = context.__dict__.setdefault("_pledge_member_names", {})
    if platform_id not in known:
        known[platform_id] = member_names(platform_id) if platform_id else {}
    return known[platform_id].get(user.pk) or user.get_username()
