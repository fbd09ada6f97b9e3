"""Letter.first_period: whether a period already under way when the letter is signed is
owed. New letters and drafts take the default (from the first full period); the letters
signed before this field existed were scheduled with the period under way owed, and are
marked so, so their record says how their schedule was raised."""

from django.db import migrations, models


def signed_letters_owed_the_current_period(apps, schema_editor):
    Letter = apps.get_model("obligations", "Letter")
    Letter.objects.exclude(state="draft").update(first_period="current")


class Migration(migrations.Migration):
    dependencies = [("obligations", "0015_member_names")]

    operations = [
        migrations.AddField(
            model_name="letter",
            name="first_period",
            field=models.CharField(choices=[("full", "自首个完整周期起"), ("current", "签署时已开始的周期也计入")],
                                   default="full", max_length=16, verbose_name="签署时已开始的周期"),
        ),
        migrations.RunPython(signed_letters_owed_the_current_period, migrations.RunPython.noop),
    ]
