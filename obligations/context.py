from django.utils.functional import SimpleLazyObject

from .alerts.notifications import unread_count
from .models import Platform
from .trust.access import is_site_admin, platform_pages, roles_of


def nav(request):
    """The signed-in user's platforms with the role and the pages of each that the user
    may open (trust/access.PLATFORM_PAGES: the navigation links nowhere that answers 403),
    unread notifications and whether they administer the site (the shared holiday
    calendar, new platforms), for the navigation bar."""
    if not request.user.is_authenticated:
        return {}
    roles = roles_of(request.user)
    # Lazy: read only when a page draws the navigation (base.html), not for an htmx row.
    return {
        "nav_platforms": SimpleLazyObject(lambda: [(p, roles[p.pk], platform_pages(roles[p.pk]))
                                                   for p in Platform.objects.filter(pk__in=roles).order_by("name")]),
        "unread_count": SimpleLazyObject(lambda: unread_count(request.user)),
        # The platform switcher: shown to a user of several platforms and to the site administrator.
        "nav_site_admin": SimpleLazyObject(lambda: is_site_admin(request.user)),
    }
