"""Who may see and do what: 404 outside one's platforms, 403 for the wrong role, and one
rule for who does a task, said the same in SQL and in Python."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.http import Http404

from obligations.demo import demo_values
from obligations.letters.assignment import obligation_assign
from obligations.letters.services import letter_create, letter_sign
from obligations.models import Membership, Obligation, Occurrence, Platform, Role
from obligations.trust.access import (
    Doers,
    assigned_to,
    can_complete,
    completable,
    is_site_admin,
    occurrence_for,
    require_complete,
    require_role,
    require_site_admin,
    role_on,
    roles_of,
    task_occurrences,
    visible_occurrences,
)
from obligations.work.sweeps import obligations_materialize
from tests.cases.support import at, open_case
from tests.conftest import SIGNED_AT, make_user


@pytest.fixture
def beta(db):
    return Platform.objects.create(slug="beta", name="Beta 平台")


@pytest.fixture
def world(signed_letter, platform, beta, officer, staff):
    """Two platforms with letters, cases and occurrences; people of every role; some named."""
    users = {
        "officer": officer, "staff": staff,
        "carol": make_user("carol", platform, Role.STAFF),
        "supervisor": make_user("sue", platform, Role.SUPERVISOR),
        "auditor": make_user("ann", platform, Role.AUDITOR),
        "dave": make_user("dave", beta, Role.STAFF),  # only on the second platform
        "erin": make_user("erin", beta, Role.OFFICER),  # officer there, staff here
        "nobody": make_user("nobody"),
    }
    Membership.objects.create(user=users["erin"], platform=platform, role=Role.STAFF)
    letter_sign(letter=letter_create(platform=beta, values=demo_values(SIGNED_AT.date()), now=SIGNED_AT),
                user=users["erin"], now=SIGNED_AT)
    obligations_materialize(now=SIGNED_AT)
    open_case(platform, received=at(2026, 11, 2, 10))
    open_case(beta, kind="incident", received=at(2026, 11, 2, 11))

    def name(p, key, *people):
        obligation_assign(obligation=Obligation.objects.get(platform=p, key=key), assignees=people,
                          user=officer, now=SIGNED_AT)

    name(platform, "三.2", users["carol"], users["supervisor"])  # a staff duty, named across roles
    name(platform, "三.3", users["staff"])  # an officer duty, named to staff
    # Named before the rule that an auditor is never assigned (the read rules still hold).
    Obligation.objects.get(platform=platform, key="四.4").assignees.add(users["auditor"])
    name(beta, "三.2", users["dave"])
    return users


def ids(qs):
    return set(qs.values_list("pk", flat=True))


def test_roles_of_maps_each_platform_to_the_role_and_reads_once(world, platform, beta, django_assert_num_queries):
    erin = world["erin"]
    assert roles_of(erin) == {platform.pk: Role.STAFF, beta.pk: Role.OFFICER}
    with django_assert_num_queries(0):
        assert roles_of(erin) == {platform.pk: Role.STAFF, beta.pk: Role.OFFICER}
    assert roles_of(world["nobody"]) == {}


def test_role_on_is_404_for_a_platform_the_user_is_not_a_member_of(world, platform, beta):
    assert role_on(world["dave"], beta.pk) == Role.STAFF
    with pytest.raises(Http404):
        role_on(world["dave"], platform.pk)
    with pytest.raises(Http404):
        role_on(world["nobody"], platform.pk)


def test_require_role_is_403_for_the_wrong_role_and_404_for_a_stranger(world, platform):
    assert require_role(world["staff"], platform.pk, Role.OFFICER, Role.STAFF) == Role.STAFF
    assert require_role(world["officer"], platform.pk, Role.OFFICER) == Role.OFFICER
    for role_holder in ("staff", "supervisor", "auditor"):
        with pytest.raises(PermissionDenied):
            require_role(world[role_holder], platform.pk, Role.OFFICER)
    # A stranger learns nothing, even asked for a role they hold elsewhere.
    with pytest.raises(Http404):
        require_role(world["dave"], platform.pk, Role.STAFF)


def test_the_officer_has_every_task_of_the_platform_and_none_of_another(world, platform, beta):
    assert ids(task_occurrences(world["officer"])) == ids(Occurrence.objects.filter(platform=platform))
    assert not task_occurrences(world["officer"]).filter(platform=beta).exists()


def test_staff_have_their_role_where_nobody_is_named_and_what_names_them(world, platform):
    bob = ids(task_occurrences(world["staff"]))
    expected = ids(Occurrence.objects.filter(platform=platform, obligation__responsible_role=Role.STAFF)
                   .exclude(obligation__key="三.2")) | ids(Occurrence.objects.filter(obligation__key="三.3",
                                                                                   platform=platform))
    assert bob == expected
    assert ids(Occurrence.objects.filter(platform=platform, obligation__key="三.2")) <= ids(
        task_occurrences(world["carol"]))
    assert not task_occurrences(world["carol"]).filter(obligation__key="三.3").exists()


def test_a_user_of_two_platforms_is_officer_on_one_and_staff_on_the_other(world, platform, beta):
    erin = ids(task_occurrences(world["erin"]))
    assert ids(Occurrence.objects.filter(platform=beta)) <= erin
    alpha_part = erin & ids(Occurrence.objects.filter(platform=platform))
    assert alpha_part == ids(task_occurrences(world["staff"]).exclude(obligation__key="三.3"))


def test_an_auditor_reads_everything_but_has_only_what_names_them(world, platform):
    ann = world["auditor"]
    assert ids(visible_occurrences(ann)) == ids(Occurrence.objects.filter(platform=platform))
    assert ids(task_occurrences(ann)) == ids(Occurrence.objects.filter(platform=platform, obligation__key="四.4"))
    assert ids(task_occurrences(world["nobody"])) == set() == ids(visible_occurrences(world["nobody"]))


def test_occurrence_for_is_404_for_a_stranger_or_a_missing_task(world, platform):
    occ = Occurrence.objects.filter(platform=platform).first()
    assert occurrence_for(world["auditor"], occ.pk) == occ
    with pytest.raises(Http404):
        occurrence_for(world["dave"], occ.pk)
    with pytest.raises(Http404):
        occurrence_for(world["officer"], Occurrence.objects.order_by("-pk").first().pk + 1)


def test_who_may_complete_a_task(world, platform, beta):
    check = Occurrence.objects.filter(platform=platform, obligation__key="三.2").first()  # carol and sue named
    training = Occurrence.objects.filter(platform=platform, obligation__key="三.5").first()  # officer's
    report = Occurrence.objects.filter(platform=platform, obligation__key="四.4").first()  # the auditor named
    beta_check = Occurrence.objects.filter(platform=beta, obligation__key="三.2").first()
    assert can_complete(world["officer"], check) and can_complete(world["officer"], training)
    assert can_complete(world["carol"], check) and can_complete(world["supervisor"], check)
    assert not can_complete(world["staff"], check)  # the role alone no longer counts: people are named
    assert not can_complete(world["staff"], training)
    assert not can_complete(world["auditor"], report)  # read-only, even when named
    assert not can_complete(world["officer"], beta_check) and can_complete(world["dave"], beta_check)
    assert not can_complete(world["nobody"], check)


def test_require_complete_is_404_for_a_stranger_and_403_for_a_member_who_may_not(world, platform):
    check = Occurrence.objects.filter(platform=platform, obligation__key="三.2").first()
    require_complete(world["carol"], check)
    with pytest.raises(PermissionDenied):
        require_complete(world["auditor"], check)
    with pytest.raises(PermissionDenied):
        require_complete(world["staff"], check)
    with pytest.raises(Http404):
        require_complete(world["dave"], check)


def test_assigned_to_in_sql_and_doers_in_python_agree(world):
    occurrences = list(Occurrence.objects.select_related("obligation"))
    assert {o.case_id is not None for o in occurrences} == {True, False}
    doers = Doers(occurrences)
    seen = {}
    for name, user in world.items():
        sql = ids(Occurrence.objects.filter(assigned_to(user)))
        python = {o.pk for o in occurrences if user.pk in doers.doers(o)}
        assert sql == python, name
        audited = Membership.objects.filter(user=user, role=Role.AUDITOR).values("platform_id")  # read-only there
        may = ids(task_occurrences(user).exclude(platform_id__in=audited))
        assert {o.pk for o in occurrences if can_complete(user, o)} == may == completable(user, occurrences), name
        seen[name] = sql
    # The world is not trivial: each rule of the kind is exercised.
    assert seen["nobody"] == set() and all(seen[n] for n in world if n != "nobody")
    assert len({frozenset(s) for s in seen.values()}) == len(seen)


def test_doers_name_the_assignees_or_every_role_holder(world, platform):
    occurrences = list(Occurrence.objects.filter(platform=platform).select_related("obligation"))
    doers = Doers(occurrences)
    by_key = {o.obligation.key: o for o in occurrences}
    assert sorted(doers.doers(by_key["三.2"])) == sorted([world["carol"].pk, world["supervisor"].pk])
    assert sorted(doers.doers(by_key["四.3"])) == sorted([world["staff"].pk, world["carol"].pk, world["erin"].pk])
    assert doers.doers(by_key["三.5"]) == [world["officer"].pk]
    assert doers.role(by_key["三.5"], Role.SUPERVISOR) == [world["supervisor"].pk]


def site_admin_candidate(name, *, staff=True, active=True, granted=True, superuser=False):
    user = make_user(name)
    user.is_staff, user.is_active, user.is_superuser = staff, active, superuser
    user.save()
    if granted:
        user.user_permissions.add(Permission.objects.get(codename="administer_site"))
    return type(user).objects.get(pk=user.pk)  # permissions are cached per object


@pytest.mark.parametrize("kind,admin", [
    ({}, True),
    ({"granted": False}, False),
    ({"staff": False}, False),
    ({"active": False}, False),
    ({"granted": False, "superuser": True}, True),
])
def test_the_site_admin_is_a_staff_user_holding_the_permission(db, kind, admin):
    user = site_admin_candidate("root", **kind)
    assert is_site_admin(user) is admin
    if admin:
        require_site_admin(user)
    else:
        with pytest.raises(PermissionDenied):
            require_site_admin(user)


def test_an_officer_is_not_a_site_admin(officer):
    assert not is_site_admin(officer)
