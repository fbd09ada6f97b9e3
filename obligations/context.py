from .models import Platform


def nav(request):
    """The platforms of the signed-in user, for the navigation bar."""
    if not request.user.is_authenticated:
        return {}
    from .access import roles_of

    from .notifications import unread_count

    roles = roles_of(request.user)
    return {
        "nav_platforms": [(p, roles[p.pk]) for p in Platform.objects.filter(pk__in=roles).order_by("name")],
        "unread_count": unread_count(request.user),
    }
