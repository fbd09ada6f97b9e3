"""WorkerBeat: the heartbeat each Celery worker writes itself, so /healthz can tell a dead
worker from a silent beat."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("obligations", "0019_invitations")]

    operations = [
        migrations.CreateModel(
            name="WorkerBeat",
            fields=[
                ("hostname", models.CharField(max_length=255, primary_key=True, serialize=False,
                                              verbose_name="工作进程")),
                ("pid", models.PositiveIntegerField(default=0)),
                ("started_at", models.DateTimeField(verbose_name="启动时间")),
                ("seen_at", models.DateTimeField(verbose_name="上次心跳")),
            ],
            options={"verbose_name": "工作进程心跳", "verbose_name_plural": "工作进程心跳"},
        ),
    ]
