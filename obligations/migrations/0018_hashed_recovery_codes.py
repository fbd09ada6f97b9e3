"""Recovery codes are kept as a keyed hash, not as the code (trust/second_factor.py,
`recovery_hash`): the codes kept in plain text before are hashed here, so every user keeps
the codes they wrote down. A plain code is django-otp's eight base32 characters; a hash is
sixteen hexadecimal ones, so a code hashed already is left alone (running it twice is safe).
Backwards it does nothing: a hash cannot be turned back into its code."""

import re

from django.conf import settings
from django.db import migrations
from django.utils.crypto import salted_hmac

HASHED = re.compile(r"[0-9a-f]{16}")


def recovery_hash(code: str) -> str:  # as trust/second_factor.recovery_hash was when this was written
    return salted_hmac("pledge.recovery-code", code, secret=settings.SECRET_KEY, algorithm="sha256").hexdigest()[:16]


def hash_plain_codes(apps, schema_editor):
    StaticToken = apps.get_model("otp_static", "StaticToken")
    plain = [t for t in StaticToken.objects.only("pk", "token").iterator() if not HASHED.fullmatch(t.token)]
    for token in plain:
        token.token = recovery_hash(token.token)
    StaticToken.objects.bulk_update(plain, ["token"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("obligations", "0017_signin_failures"), ("otp_static", "0003_add_timestamps")]

    operations = [migrations.RunPython(hash_plain_codes, migrations.RunPython.noop)]
