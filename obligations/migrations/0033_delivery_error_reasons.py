"""Failed deliveries recorded before failures were kept as codes (alerts/channels.py) hold the
library's English words, with the robot's webhook URL, token and signature: each becomes the code
of what it says, so no token stays in the table."""

import re

from django.db import migrations

CODE = re.compile(r"^(unreachable|timeout|sign|token|address|reply|sms_unset|unknown|http:\d+|code:-?\d+)$")
READINGS = [
    (re.compile(r"sign not match|code=?\s*19021|\b19021\b"), "sign"),
    (re.compile(r"\b(93000|300001|19001)\b"), "token"),
    (re.compile(r"timed? ?out|Timeout", re.IGNORECASE), "timeout"),
    (re.compile(r"Connection|NameResolution|Max retries|refused", re.IGNORECASE), "unreachable"),
    (re.compile(r"PLEDGE_SMS_URL"), "sms_unset"),
]
STATUS = re.compile(r"HTTP (\d{3})|error=(\d{3})")


def reason(error: str) -> str:
    if CODE.match(error):
        return error
    for pattern, code in READINGS:
        if pattern.search(error):
            return code
    status = STATUS.search(error)
    if status and (status[1] or status[2]) != "200":
        return f"http:{status[1] or status[2]}"
    return "unknown"


def forwards(apps, schema_editor):
    Delivery = apps.get_model("obligations", "Delivery")
    for delivery in Delivery.objects.exclude(error="").only("pk", "error").iterator():
        code = reason(delivery.error)
        if code != delivery.error:
            Delivery.objects.filter(pk=delivery.pk).update(error=code)


class Migration(migrations.Migration):
    dependencies = [("obligations", "0032_planner_wake")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
