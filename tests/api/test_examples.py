"""The integration examples of docs/api.md, run as their integrators run them (a subprocess, standard library
only) against the live server: the monitoring system's daily check-off of 三.2 with its scan report, and the
customer-service system forwarding a ticket as a complaint, twice, opening one case."""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from obligations.models import Case, Evidence, Occurrence
from tests.api.support import build_world
from tests.conftest import PDF_BYTES

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def run(script, token, *args):
    return subprocess.run([sys.executable, str(EXAMPLES / script), *args], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "PLEDGE_TOKEN": token})


def test_the_monitoring_system_checks_off_todays_security_check_with_its_report(live_server, tmp_path):
    world = build_world()
    report = tmp_path / "scan-report.pdf"
    report.write_bytes(PDF_BYTES + b"% nightly scan: 0 findings\n")
    due = (Occurrence.objects.filter(platform=world.platform, obligation__key="三.2", state=Occurrence.State.OPEN,
                                     opens_at__lte=timezone.now()).order_by("due_at", "id").first())
    args = ("--url", live_server.url, "--platform", "alpha", "--report", str(report))
    refused = run("daily_security_check.py", world.tokens["read"], *args)
    assert refused.returncode == 2 and "403 forbidden" in refused.stderr and not Evidence.objects.exists()
    done = run("daily_security_check.py", world.tokens["all"], *args)
    assert done.returncode == 0, done.stderr
    evidence = Evidence.objects.get()
    assert evidence.occurrence_id == due.pk and Occurrence.objects.get(pk=due.pk).is_completed
    assert evidence.sha256 == hashlib.sha256(report.read_bytes()).hexdigest() and evidence.sha256 in done.stdout
    assert evidence.original_name == "scan-report.pdf" and evidence.completion.user == world.officer


def test_the_customer_service_system_forwards_a_ticket_once(live_server):
    world = build_world()
    args = ("--url", live_server.url, "--platform", "alpha", "--ticket", "CS-20261207-0042",
            "--text", "订单 123 退款三天未到账", "--name", "张三", "--contact", "13800000000")
    first = run("forward_ticket.py", world.tokens["cases"], *args)
    assert first.returncode == 0, first.stderr
    case = Case.objects.get()
    assert case.number in first.stdout and case.public_ref in first.stdout and "respond" in first.stdout
    assert (case.kind, case.channel, case.reporter_contact) == ("complaint", "in_app", "13800000000")
    assert "CS-20261207-0042" in case.description and case.created_by == world.officer
    again = run("forward_ticket.py", world.tokens["cases"], *args)
    assert again.returncode == 0 and "already forwarded" in again.stdout and Case.objects.count() == 1
    wrong = run("forward_ticket.py", world.tokens["read"], *args)
    assert wrong.returncode == 2 and "403" in wrong.stderr
