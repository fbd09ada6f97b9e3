import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db.models import F

from obligations.demo import DEMO_USERS
from obligations.letters.reading import MAX_DOCX_UNZIPPED
from obligations.models import (
    AuditEvent,
    Case,
    Completion,
    Letter,
    Membership,
    Occurrence,
    Platform,
    Review,
    ReviewExplanation,
)
from obligations.oversight.review_snapshot import review_snapshot
from obligations.tasks import run_sweeps as sweep
from obligations.work.occurrences import occurrence_complete
from tests.conftest import SIGNED_AT, anchor_as_committed
from tests.letters.docx_files import zip_bomb


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


DEMO_NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, in the quarter after 2026Q3


def demo_rows():
    return (Occurrence.objects.count(), Completion.objects.count(), Case.objects.count(), Review.objects.count(),
            ReviewExplanation.objects.count(), AuditEvent.objects.count())


def test_the_demo_holds_the_last_quarters_open_review_lived_through_by_the_apps_own_functions(db):
    """Signed on the quarter's first day; tasks done on time, late and never; cases handled; the
    review opened when the quarter ended, explained but for its latest exceptions. Idempotent."""
    with time_machine.travel(DEMO_NOW, tick=False):
        first = run("demo")
        assert "platform=demo" in first and "officer/pledge-demo" in first
        rows = demo_rows()
        run("demo")
    assert demo_rows() == rows
    platform = Platform.objects.get(slug="demo")
    assert Membership.objects.filter(platform=platform).count() == len(DEMO_USERS)
    letter = Letter.objects.get(platform=platform, state="signed")
    assert letter.values["checks_per_day"] == 3 and letter.values["compliance_role"] == "合规总监"
    assert letter.signed_at == datetime(2026, 7, 1, 1, 0, tzinfo=UTC) and letter.values["sign_date"] == "2026-07-01"
    review = Review.objects.get(platform=platform)
    assert (review.label, review.state) == ("2026Q3", Review.State.OPEN)
    assert review.opened_at == datetime(2026, 9, 30, 17, 0, tzinfo=UTC)  # an hour after the quarter ended
    snapshot = review_snapshot(review, now=DEMO_NOW)
    checks = next(r for r in snapshot["obligations"] if r["key"] == "三.2")
    assert checks["due"] == 92 * 3 - 1  # the first day's 08:00 check fell before the 09:00 signing
    assert checks["done"] > checks["done_late"] > checks["missed"] > 0
    assert checks["due"] == checks["done"] + checks["done_late"] + checks["missed"]
    assert {"late", "missed", "breached"} <= {e["kind"] for e in snapshot["exceptions"]}
    assert [bool(e["explanation"]) for e in snapshot["exceptions"]][-3:] == [True, False, False]
    assert {c["kind"]: c["received"] for c in snapshot["cases"]} == {"complaint": 2, "incident": 1, "finding": 1}
    assert snapshot["findings"] and snapshot["evidence"]
    # Each done at its own instant, by the member whose role does the task, before or after the due time.
    done = Occurrence.objects.filter(platform=platform, state=Occurrence.State.DONE, case__isnull=True)
    assert not done.filter(completed_at__gt=F("due_at")).exists() and done.count() > 400
    assert set(done.values_list("completed_by__username", flat=True)) == {"officer", "staff"}
    assert not Occurrence.objects.filter(platform=platform, state=Occurrence.State.OPEN,
                                         close_at__lte=DEMO_NOW).exists()
    # The current quarter goes on: a complaint still waiting for its decision.
    assert Case.objects.filter(platform=platform, state=Case.State.OPEN).count() == 1
    anchor_as_committed()
    assert run("verify_audit", "--language", "en").startswith("OK")  # the chain, and every row's state as its records give it


def test_sweep_command_accepts_an_instant_and_refuses_garbage(signed_letter):
    out = run("sweep", "--now", "2026-11-05T09:00:00+08:00")
    assert "created=" in out and Occurrence.objects.exists()
    with pytest.raises(CommandError, match="ISO 8601"):
        run("sweep", "--now", "next tuesday")


def test_export_csv_and_json(signed_letter, officer):
    sweep(now=SIGNED_AT)
    occ = Occurrence.objects.get(obligation__key="三.2", opens_at__lte=SIGNED_AT, due_at__gt=SIGNED_AT)
    occurrence_complete(occurrence=occ, user=officer, note="ok", now=SIGNED_AT + timedelta(hours=1),
                        evidence_count=1)
    rows = list(csv.DictReader(io.StringIO(run("export_occurrences", "--platform", "alpha", "--format", "csv-codes",
                                               "--from", "2026-11-02", "--to", "2026-11-02"))))
    # By due date, the local day inclusive: the checks due at 16:00 and 24:00 on 2 November.
    assert [r["due_at"] for r in rows] == ["2026-11-02T16:00:00+08:00", "2026-11-03T00:00:00+08:00"]
    done = [r for r in rows if r["state"] == "done"]
    assert len(done) == 1
    assert done[0]["completed_by"] == "alice"
    assert done[0]["completed_at"] == "2026-11-02T10:00:00+08:00"
    assert done[0]["period_start"] == "2026-11-02T00:00:00+08:00"
    data = json.loads(run("export_occurrences", "--platform", "alpha", "--format", "json"))
    assert len(data) == Occurrence.objects.count()
    assert set(data[0]) >= {"platform", "clause", "obligation", "period_start", "period_end", "sequence",
                            "opens_at", "due_at", "state", "completed_at", "completed_by"}


def test_export_csv_names_its_columns_and_states_in_chinese_unless_codes_are_asked(signed_letter, officer):
    sweep(now=SIGNED_AT)
    days = ("--from", "2026-11-02", "--to", "2026-11-02")
    named = list(csv.DictReader(io.StringIO(run("export_occurrences", "--platform", "alpha", *days))))
    assert named and "状态" in named[0] and "到期时间" in named[0] and {r["状态"] for r in named} <= {"待办", "未完成"}
    english = list(csv.DictReader(io.StringIO(run("export_occurrences", "--platform", "alpha", "--language", "en",
                                                  *days))))
    assert {r["State"] for r in english} <= {"Open", "Missed"} and "Due at" in english[0]
    codes = list(csv.DictReader(io.StringIO(run("export_occurrences", "--platform", "alpha", "--codes", *days))))
    assert codes == list(csv.DictReader(io.StringIO(run("export_occurrences", "--platform", "alpha", "--format",
                                                        "csv-codes", *days))))
    assert [r["due_at"] for r in codes] == [r["到期时间"] for r in named] and {r["state"] for r in codes} <= {"open"}


def test_export_refuses_an_unknown_platform_and_bad_dates_in_the_sites_language_or_the_one_asked(db):
    with pytest.raises(CommandError, match="没有标识为 nope 的平台"):
        run("export_occurrences", "--platform", "nope")
    with pytest.raises(CommandError, match="no platform with slug nope"):
        run("export_occurrences", "--platform", "nope", "--language", "en")
    with pytest.raises(CommandError, match="不是日期"):
        run("export_occurrences", "--platform", "nope", "--from", "yesterday")
    with pytest.raises(CommandError, match="not a date"):
        run("export_occurrences", "--platform", "nope", "--from", "yesterday", "--language", "en")


@pytest.mark.parametrize("command", ["demo", "sweep", "export_occurrences", "load_calendar", "parse_letter",
                                     "templates", "verify_audit", "verify_review"])
def test_every_command_of_ours_speaks_the_sites_language_unless_asked(command):
    """A refusal or a verdict reads in LANGUAGE_CODE (zh-hans) by default, in --language's when given."""
    from django.core.management import load_command_class

    from obligations.management.spoken import SpokenCommand

    parser = load_command_class("obligations", command).create_parser("manage.py", command)
    assert isinstance(load_command_class("obligations", command), SpokenCommand)
    assert parser.get_default("language") == "zh-hans"


def test_admin_lists_every_model(admin_client):
    from django.apps import apps
    from django.contrib.admin.sites import site

    for model in apps.get_app_config("obligations").get_models():
        assert model in site._registry, model
        url = f"/admin/obligations/{model._meta.model_name}/"
        assert admin_client.get(url).status_code == 200, url


@pytest.mark.parametrize("name,content,message", [
    ("bomb.docx", lambda: zip_bomb(MAX_DOCX_UNZIPPED + 1), "解压后超过 32.0 MB"),
    ("liar.docx", lambda: zip_bomb(MAX_DOCX_UNZIPPED + 1, declared=2000), "无法打开该 Word 文件"),
    ("broken.docx", lambda: zip_bomb(0, body="<w:p><w:t>1.平台</w:p>".encode()), "XML 无法解析"),
    ("huge.txt", lambda: ("平台每日开展安全检查。\n" * 600_000).encode(), "超过 200,000 字的上限"),
    ("many.txt", lambda: "".join(f"{i}.平台每日巡检。\n" for i in range(1, 600)).encode(), "超过 500 条的上限"),
])
def test_parse_letter_refuses_what_is_past_the_limits(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content())
    with pytest.raises(CommandError, match=message):
        call_command("parse_letter", str(path), stdout=io.StringIO())
