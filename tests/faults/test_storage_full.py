"""Evidence storage full during an upload: a clear Chinese error in the form and in the
htmx row, no row without a file, no file without a row."""

import errno
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from obligations.models import Completion, Evidence, Occurrence
from tests.conftest import PDF_BYTES, SIGNED_AT

FULL = "证据存储空间已满"


class FullStorage(FileSystemStorage):
    """Writes part of the file, then the disk is full."""

    def _save(self, name, content):
        path = Path(self.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        data = b"".join(content.chunks())
        path.write_bytes(data[: max(1, len(data) // 2)])
        raise OSError(errno.ENOSPC, "No space left on device")


@pytest.fixture
def full_disk(settings, tmp_path):
    root = tmp_path / "full"
    settings.STORAGES = {**settings.STORAGES, "evidence": {
        "BACKEND": f"{__name__}.FullStorage", "OPTIONS": {"location": str(root)}}}
    return root


@pytest.fixture
def task(signed_letter, officer):
    from obligations.work.sweeps import obligations_materialize

    obligations_materialize(now=SIGNED_AT)
    return Occurrence.objects.filter(state="open").order_by("due_at").first()


def files_in(root):
    return [p for p in Path(root).rglob("*") if p.is_file()] if Path(root).exists() else []


def test_storage_full_during_an_upload_leaves_nothing_and_says_so(client, officer, task, full_disk):
    client.force_login(officer)
    url = reverse("occurrence-complete", args=[task.pk])
    pdf = PDF_BYTES * 200

    htmx = client.post(url, {"note": "巡查", "files": SimpleUploadedFile("a.pdf", pdf)}, HTTP_HX_REQUEST="true")
    html = htmx.content.decode()
    assert htmx.status_code == 200 and FULL in html and "a.pdf" in html
    plain = client.post(url, {"note": "巡查", "files": SimpleUploadedFile("b.pdf", pdf)}, follow=True)
    assert FULL in plain.content.decode()

    task.refresh_from_db()
    leftovers = files_in(full_disk)
    print(f"\n[storage full] 2 uploads refused with “{FULL}…”; evidence rows {Evidence.objects.count()}, "
          f"completions {Completion.objects.count()}, files left {len(leftovers)}; task still {task.state}")
    assert task.state == "open" and Completion.objects.count() == 0
    assert Evidence.objects.count() == 0 and leftovers == []  # no row without a file, no file without a row
