"""Late notices are no longer rows of their own (issue 21): a task carries which messages about
it were planned (Occurrence.told, a bit per kind, with the partial index the planner reads), and
a catch-up carries what it tells of (Notification.summary). The bits are set from the messages
planned so far, and each catch-up's summary from the rows folded into it, so planning goes on
where it stood."""

from collections import defaultdict

from django.db import migrations, models

BITS = {"opened": 1, "due_soon": 2, "escalate_officer": 4, "escalate_group": 8}  # alerts/told.py
LINES = 20  # alerts/catch_up.CATCH_UP_LINES


def told_from_messages(apps, schema_editor):
    cases = " ".join(f"WHEN '{kind}' THEN {bit}" for kind, bit in BITS.items())
    kinds = ", ".join(f"'{kind}'" for kind in BITS)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "UPDATE obligations_occurrence SET told = (SELECT coalesce(sum(DISTINCT CASE n.kind "  # nosec B608 - constants
            f"{cases} ELSE 0 END), 0) FROM obligations_notification n "
            "WHERE n.occurrence_id = obligations_occurrence.id) "
            f"WHERE id IN (SELECT occurrence_id FROM obligations_notification WHERE kind IN ({kinds}))")


def summaries_from_folded_rows(apps, schema_editor):
    Notification = apps.get_model("obligations", "Notification")
    tasks, lines = defaultdict(lambda: defaultdict(list)), defaultdict(list)
    for row in Notification.objects.filter(catch_up__isnull=False).select_related("occurrence").order_by(
            "catch_up_id", "occurrence__due_at", "id"):
        tasks[row.catch_up_id][row.kind].append(row.occurrence_id)
        if len(lines[row.catch_up_id]) < LINES:
            due = row.occurrence.due_at.isoformat() if row.occurrence else ""
            lines[row.catch_up_id].append([due, row.kind, row.occurrence_id, row.subject])
    for catch_up_id, kinds in tasks.items():
        Notification.objects.filter(pk=catch_up_id).update(
            summary={"tasks": {k: sorted(ids) for k, ids in kinds.items()}, "lines": lines[catch_up_id]})


class Migration(migrations.Migration):
    dependencies = [("obligations", "0022_evidence_notice")]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="summary",
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="occurrence",
            name="told",
            field=models.PositiveSmallIntegerField(db_default=0, default=0),
        ),
        migrations.AddIndex(
            model_name="occurrence",
            index=models.Index(condition=models.Q(("state__in", ("open", "missed")), ("told__lt", 12)),
                               fields=["due_at"], name="occurrence_untold_idx"),
        ),
        migrations.RunPython(told_from_messages, migrations.RunPython.noop),
        migrations.RunPython(summaries_from_folded_rows, migrations.RunPython.noop),
    ]
