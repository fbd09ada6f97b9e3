"""Failed sign-ins counted per client address, user name and window, and written to the
audit chain once per window with the count."""

from datetime import UTC, datetime, timedelta

from django.test import RequestFactory

from obligations.models import AuditEvent, FailedSignIns
from obligations.trust.failed_signins import failure_count, failures_audit, window_of
from tests.conftest import make_user

T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def request_from(address):
    return RequestFactory().post("/accounts/login/", REMOTE_ADDR=address, HTTP_USER_AGENT="curl/8")


def written():
    return list(AuditEvent.objects.filter(action="auth.login_failed").order_by("id"))


def test_windows_are_fixed_slices_of_the_window_length(settings):
    settings.PLEDGE_SIGNIN_WINDOW_MINUTES = 15
    assert window_of(T0) == window_of(T0 + timedelta(minutes=14, seconds=59)) == T0
    assert window_of(T0 + timedelta(minutes=15)) == T0 + timedelta(minutes=15)
    assert window_of(T0 - timedelta(seconds=1)) == T0 - timedelta(minutes=15)


def test_each_window_is_written_once_with_its_counts(db, settings):
    settings.PLEDGE_SIGNIN_WINDOW_MINUTES = 15
    alice = make_user("alice")
    for i in range(3):
        failure_count(request_from("203.0.113.7"), "alice", refused=i > 0, now=T0 + timedelta(minutes=i))
    failure_count(request_from("203.0.113.7"), "alice", refused=False, now=T0 + timedelta(minutes=16))
    assert failures_audit(now=T0 + timedelta(minutes=14)) == 0  # the first window still open
    assert failures_audit(now=T0 + timedelta(minutes=15)) == 1
    assert failures_audit(now=T0 + timedelta(minutes=16)) == 0  # written once
    [record] = written()
    assert (record.object_type, record.object_id) == ("User", str(alice.pk))  # her platforms' trail shows it
    assert record.data["count"] == 3 and record.data["refused"] == 2 and record.data["agent"] == "curl/8"
    assert record.at == T0 + timedelta(minutes=2)  # the last failure of the window
    assert record.data["first_at"] == T0.isoformat()
    assert failures_audit(now=T0 + timedelta(minutes=30)) == 1  # the second window
    assert failures_audit(now=T0 + timedelta(days=8)) == 0
    assert not FailedSignIns.objects.exists()  # written windows go after a week


def test_any_name_typed_is_counted(db):
    name = "bad\x00name" + "x" * 300
    failure_count(request_from("203.0.113.7"), name, refused=False, now=T0)
    failure_count(None, "carol", refused=False, now=T0)  # no request: a command's try
    assert sorted(FailedSignIns.objects.values_list("username", "address")) == [
        ("badname" + "x" * 143, "203.0.113.7"), ("carol", "unknown")]
