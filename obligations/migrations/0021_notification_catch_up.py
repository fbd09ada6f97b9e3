"""Notification.catch_up: the catch-up message a late row was folded into, written in the same
transaction as the row (alerts/catch_up.py), so a plan cut short leaves no late row delivered
without the message that carries it."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("obligations", "0020_worker_heartbeat")]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="catch_up",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE,
                                    related_name="folded", to="obligations.notification"),
        ),
    ]
