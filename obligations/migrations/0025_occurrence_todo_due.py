"""occurrence_todo_due_idx: the tasks still to do by due time, for the escalations' candidates
(alerts/candidates.py), which otherwise read the whole history at every plan."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("obligations", "0024_case_assigned_notice")]

    operations = [
        migrations.AddIndex(
            model_name="occurrence",
            index=models.Index(condition=models.Q(("state__in", ["open", "missed"])), fields=["due_at"],
                               name="occurrence_todo_due_idx"),
        ),
    ]
