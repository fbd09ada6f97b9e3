import pytest

from obligations.models import Role
from tests.conftest import make_user


@pytest.fixture
def team(signed_letter, officer, staff, platform):
    sue = make_user("sue", platform, Role.SUPERVISOR)
    for user in (officer, staff, sue):
        user.email = f"{user.username}@example.com"
        user.save()
    return {"officer": officer, "staff": staff, "supervisor": sue}
