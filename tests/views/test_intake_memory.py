"""An upload to the intake page cannot take a web worker above its memory cap: the real view,
signed in, multipart parsing, reading, parsing, proposing and rendering the page, each run in a
process of its own whose peak resident memory is measured (tests/letters/test_reading.py measures
the reading alone)."""

import subprocess
import sys

import docx
import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.letters.docx_files import zip_bomb
from tests.letters.test_reading import LETTER_1, MEMORY_CAP_MB, PEAK, ROOT, largest_letter, save

# A web worker answering one upload: the officer's session from the test, the test's database.
WORKER = PEAK + """
import os, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compliance.settings")
django.setup()
from django.db import connection
from django.test import Client
path, url, session, database = sys.argv[1:5]
connection.settings_dict["NAME"] = database
client = Client()
client.cookies["sessionid"] = session
with open(path, "rb") as upload:
    response = client.post(url, {"file": upload, "read": "1"})
page = response.content.decode()
says = "proposals" if "需人工核对" in page else "clauses" if "条的上限" in page else "unzipped" if "解压后超过" in page else "?"
print(response.status_code, says, PEAK())
"""


def as_docx(text, path):
    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    return save(document, path)


@pytest.mark.django_db(transaction=True)  # the child process reads the officer's session from the database
@pytest.mark.parametrize("name, make, status, says", [
    # The seed's letter: read, proposed, the review page rendered.
    ("seed.docx", lambda tmp: as_docx(LETTER_1, tmp / "seed.docx"), "200", "proposals"),
    # 200,000 characters, the most a letter may hold, read and parsed whole before its 4,000 clauses are refused.
    ("largest.docx", lambda tmp: as_docx(largest_letter(), tmp / "largest.docx"), "400", "clauses"),
    ("bomb.docx", lambda _tmp: zip_bomb(200 * 1024 * 1024), "400", "unzipped"),
])
def test_an_upload_cannot_take_a_web_worker_above_its_memory_cap(tmp_path, platform, officer, name, make, status,
                                                                  says):
    client = Client()
    client.force_login(officer)
    path = tmp_path / name
    path.write_bytes(make(tmp_path))
    url = reverse("letter-intake", args=[platform.slug])
    done = subprocess.run(
        [sys.executable, "-c", WORKER, str(path), url, client.cookies["sessionid"].value,
         connection.settings_dict["NAME"]],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=True)
    answered, said, peak = done.stdout.split()[-3:]
    assert (answered, said) == (status, says)  # the page again, with its proposals or the refusal's reason
    assert int(peak) < MEMORY_CAP_MB * 1024 * 1024, f"{name}: {int(peak) / 1024 / 1024:.0f} MB"
