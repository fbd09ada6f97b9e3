"""Shared by the report and export tests: a platform with a letter signed before the
quarter, its tasks with states, complaints answered at known minutes, evidence files;
and an exports storage of the test's own."""

import hashlib
import io
import random
import re
from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from obligations.demo import demo_values
from obligations.letters.services import letter_create, letter_sign
from obligations.models import Occurrence
from obligations.work.evidence import completion_with_evidence
from obligations.work.occurrences import occurrence_complete
from obligations.work.sweeps import obligations_materialize
from tests.cases.support import clocks, open_case
from tests.work.state_support import put_in_state

SH = ZoneInfo("Asia/Shanghai")
SIGNED = datetime(2026, 9, 1, 9, 0, tzinfo=SH)
STATES = ["done", "done_late", "missed", "open", "waived"]


@pytest.fixture
def exports_root(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "exports": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path / "exports")}}}
    return tmp_path / "exports"


@pytest.fixture
def eager():
    """Celery's eager mode: a queued export runs at commit, in the test's process."""
    from compliance.celery import app

    old = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = old


def sign(platform, officer):
    letter = letter_create(platform=platform, values=demo_values(SIGNED.date()), now=SIGNED)
    return letter_sign(letter=letter, user=officer, now=SIGNED)


def tasks_with_states(platform, until, seed=7):
    """Occurrences until `until`, each given a state at random."""
    obligations_materialize(now=until, horizon=timedelta(days=10))
    rng = random.Random(seed)
    by_state = defaultdict(list)
    for pk in Occurrence.objects.filter(platform=platform, case__isnull=True).values_list("pk", flat=True):
        by_state[rng.choice(STATES)].append(pk)
    for state, pks in by_state.items():
        put_in_state(pks, state, reason="测试")


def complaint(platform, user, received, respond_minutes=None, decide_days=None):
    """A complaint received at `received`, answered after `respond_minutes`, decided after `decide_days`."""
    case = open_case(platform, received=received)
    steps = clocks(case)
    if respond_minutes is not None:
        occurrence_complete(occurrence=steps["respond"], user=user, note="已回复",
                            now=received + timedelta(minutes=respond_minutes))
    if decide_days is not None:
        occurrence_complete(occurrence=steps["decide"], user=user, note="已处理",
                            now=received + timedelta(days=decide_days))
    return case


def with_evidence(occurrence, user, files: dict[str, bytes]):
    """Complete a task with these files, a minute before it is due."""
    now = max(occurrence.opens_at, occurrence.due_at - timedelta(minutes=1))
    uploads = [SimpleUploadedFile(name, data) for name, data in files.items()]
    return completion_with_evidence(occurrence=occurrence, user=user, note="见附件", files=uploads, now=now)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def local_day(instant) -> date:
    """The local day an instant closes (a due time at midnight ends the day before)."""
    return (instant - timedelta(microseconds=1)).astimezone(SH).date()


# Reading the documents back ------------------------------------------------------------

def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdf_fonts(data: bytes) -> dict[str, dict]:
    """BaseFont name -> its font descriptor, over every page."""
    fonts = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            fonts[str(font["/BaseFont"])] = descendant["/FontDescriptor"].get_object()
    return fonts
