"""A user's language: kept on the account, read once per user object and once per batch."""

from django.contrib.auth.models import AnonymousUser

from obligations.models import UserPreferences
from obligations.trust.preferences import chosen_language, language_choose, language_of, languages_of, supported
from tests.conftest import make_user


def test_only_the_sites_languages_are_supported():
    assert (supported("en"), supported("zh-hans"), supported("fr"), supported(None)) == ("en", "zh-hans", None, None)


def test_a_choice_is_kept_and_a_stranger_language_refused(db):
    bob = make_user("bob")
    assert (chosen_language(bob), language_of(bob)) == (None, "zh-hans")
    assert language_choose(bob, "en") and UserPreferences.objects.get(user=bob).language == "en"
    assert not language_choose(bob, "fr") and UserPreferences.objects.get(user=bob).language == "en"
    assert language_choose(bob, "zh-hans") and UserPreferences.objects.count() == 1
    assert not language_choose(AnonymousUser(), "en")
    assert chosen_language(AnonymousUser()) is None and language_of(AnonymousUser()) == "zh-hans"


def test_read_once_per_user_object(db, django_assert_num_queries):
    bob = make_user("bob")
    UserPreferences.objects.create(user=bob, language="en")
    with django_assert_num_queries(1):
        assert language_of(bob) == "en" and chosen_language(bob) == "en"


def test_a_batch_in_one_query_with_the_default_for_those_who_never_chose(db, django_assert_num_queries):
    users = [make_user(name) for name in ("ann", "bob", "cai")]
    UserPreferences.objects.create(user=users[0], language="en")
    UserPreferences.objects.create(user=users[2], language="gone")  # a language the site no longer offers
    with django_assert_num_queries(1):
        assert languages_of(u.pk for u in users) == {users[0].pk: "en", users[1].pk: "zh-hans", users[2].pk: "zh-hans"}
