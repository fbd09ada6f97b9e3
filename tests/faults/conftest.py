import pytest
from django.db import connection

from obligations.demo import demo_values
from obligations.letters.services import letter_create, letter_sign
from obligations.models import Obligation, Platform, Role
from tests.conftest import SIGNED_AT, make_user


def pytest_collection_modifyitems(items):
    """Every test here is marked: `pytest -m faults` runs them alone; CI runs them with the rest."""
    for item in items:
        if "tests/faults/" in str(item.path):
            item.add_marker(pytest.mark.faults)


def signed_platform(slug, now=SIGNED_AT, emails=True):
    """A platform with an officer, a staff member and a supervisor, the demo letter signed."""
    platform = Platform.objects.create(slug=slug, name=f"平台 {slug}")
    people = {}
    for role, name in ((Role.OFFICER, "officer"), (Role.STAFF, "staff"), (Role.SUPERVISOR, "supervisor")):
        user = make_user(f"{slug}-{name}", platform, role)
        if emails:
            user.email = f"{slug}-{name}@example.com"
            user.save()
        people[name] = user
    letter = letter_create(platform=platform, values=demo_values(now.date()), user=people["officer"], now=now)
    letter_sign(letter=letter, user=people["officer"], now=now)
    return platform, people


def clone_platforms(source: Platform, count: int) -> int:
    """`count` more platforms with the source's obligations, copied in SQL (a large sweep
    without signing hundreds of letters). Returns the obligations now live."""
    table = Obligation._meta.db_table
    columns = ", ".join(f.column for f in Obligation._meta.concrete_fields if f.column not in ("id", "platform_id"))
    with connection.cursor() as cursor:
        for i in range(count):
            clone = Platform.objects.create(slug=f"{source.slug}-c{i}", name=f"{source.name} {i}")
            cursor.execute(f"INSERT INTO {table} ({columns}, platform_id) SELECT {columns}, %s FROM {table} "
                           "WHERE platform_id = %s", [clone.pk, source.pk])
    return Obligation.objects.filter(ends_at__isnull=True).exclude(kind="event").count()


def occurrences_md5() -> tuple[str, int]:
    """The md5 of every occurrence, ordered by its identity, without the generated id."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT md5(string_agg(concat_ws('|', obligation_id, platform_id, clause_id, period_start, period_end, "
            "sequence, opens_at, due_at, close_at, provisional, state, created_at), ',' "
            "ORDER BY obligation_id, period_start, sequence)), count(*) FROM obligations_occurrence")
        return cursor.fetchone()


def duplicates(sql_group: str, table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} GROUP BY {sql_group} HAVING count(*) > 1) d")
        return cursor.fetchone()[0]


def duplicate_counts() -> dict:
    return {
        "occurrences": duplicates("obligation_id, period_start, sequence, case_id", "obligations_occurrence"),
        "notifications": duplicates("occurrence_id, kind, recipient_id, digest_date", "obligations_notification"),
        "completions": duplicates("occurrence_id", "obligations_completion WHERE reopened_at IS NULL"),
    }
