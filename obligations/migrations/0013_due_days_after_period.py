"""Obligation.due_days_after_period: a report on a period, due a number of days after
the period ends (clause 四.1 of the library's first template: 15 days after the quarter).

No data migration. An obligation's parameters are its signed letter's: the letter keeps
the spec it was signed with (Clause.specs, copied from the template when the letter was
made), and the schedule, the amendment diff, the preview and the reports of a past period
read the obligation as that letter states it. Setting 15 days on the 四.1 obligations of
letters already signed would give them a deadline their letter does not hold (and would
leave the rows already raised, whose identity is their period, on the old one). A signed
letter is frozen; a template change never changes a letter, drafts included. A platform
takes the new default by amending its letter: the officer sets 周期结束后到期(日) on 四.1
in the clause editor, the amendment's changes show it, and signing raises the next
quarter's task under it.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("obligations", "0012_export_language"),
    ]

    operations = [
        migrations.AddField(
            model_name="obligation",
            name="due_days_after_period",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="周期结束后到期(日)"),
        ),
    ]
