from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("obligations", "0014_state_guards")]

    operations = [
        migrations.AddField(model_name="membership", name="full_name",
                            field=models.CharField(blank=True, max_length=100, verbose_name="姓名")),
        migrations.AddField(model_name="membership", name="post",
                            field=models.CharField(blank=True, max_length=100, verbose_name="职务")),
    ]
