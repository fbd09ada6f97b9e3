# A random public reference per case: added empty, filled row by row, then made unique.

from django.db import migrations, models

import obligations.models.cases


def fill(apps, schema_editor):
    Case = apps.get_model("obligations", "Case")
    for case in Case.objects.filter(public_ref=""):
        case.public_ref = obligations.models.cases.new_public_ref()
        case.save(update_fields=["public_ref"])


class Migration(migrations.Migration):
    dependencies = [("obligations", "0006_reviews")]

    operations = [
        migrations.AddField(model_name="case", name="public_ref",
                            field=models.CharField(default="", max_length=16, verbose_name="查询码")),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(model_name="case", name="public_ref",
                              field=models.CharField(default=obligations.models.cases.new_public_ref, max_length=16,
                                                     unique=True, verbose_name="查询码")),
    ]
