"""A person's language: chosen on the language menu, kept on their account
(models.UserPreferences) rather than only in one browser's cookie, applied at sign-in and
on every request they make (compliance/locale.py), and the language of whatever Pledge
writes to them — in-app notifications and emails (alerts/notifications.py, the password
and invitation mails, the integrity and scheduler alerts)."""

from django.conf import settings

from ..models import UserPreferences

_CACHE = "_pledge_language"  # on the user object, for the request


def supported(code) -> str | None:
    """`code` if it is one of settings.LANGUAGES, else None."""
    return code if code in {c for c, _name in settings.LANGUAGES} else None


def chosen_language(user) -> str | None:
    """The language the user chose (read once per user object), or None: not signed in, never chose."""
    if user is None or not user.is_authenticated:
        return None
    if not hasattr(user, _CACHE):
        stored = UserPreferences.objects.filter(user_id=user.pk).values_list("language", flat=True).first()
        setattr(user, _CACHE, supported(stored))
    return getattr(user, _CACHE)


def language_of(user) -> str:
    """The language to write to the user in: their choice, else the site's default."""
    return chosen_language(user) or settings.LANGUAGE_CODE


def languages_of(user_ids) -> dict[int, str]:
    """user id -> the language to write to them in, for a batch in one query (the site's default
    for those who never chose)."""
    ids = set(user_ids)
    chosen = dict(UserPreferences.objects.filter(user_id__in=ids).values_list("user_id", "language"))
    return {pk: supported(chosen.get(pk)) or settings.LANGUAGE_CODE for pk in ids}


def language_choose(user, code) -> bool:
    """Keep `code` as the user's language; False (nothing kept) for a language the site does not offer."""
    if supported(code) is None or not user.is_authenticated:
        return False
    UserPreferences.objects.update_or_create(user_id=user.pk, defaults={"language": code})
    setattr(user, _CACHE, code)
    return True
