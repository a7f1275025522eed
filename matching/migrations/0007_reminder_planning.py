"""Reminder planning ahead of the day, and cheap claims.

- ReminderPlan: the days planned (the dispatcher plans only a day missing here).
- The reminder's recipient loses its own index: reminder_recipient_open (recipient, done_at)
  starts with it, and every index is one more write per inserted reminder.
- fillfactor 50 on the reminder table: a claim sets only `enqueued_at`, which no index covers,
  so PostgreSQL can update the row on its own page without touching any index (a HOT update)
  when the page has room for the new version; half a page free gives every reminder planned on
  that page the room for its claim. It applies to pages filled from now on.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [("matching", "0006_imports_batches")]

    operations = [
        migrations.CreateModel(
            name="ReminderPlan",
            fields=[
                ("day", models.DateField(primary_key=True, serialize=False,
                                         verbose_name="day")),
                ("planned_at", models.DateTimeField(verbose_name="last planned at")),
            ],
            options={
                "verbose_name": "planned reminder day",
                "ordering": ["-day"],
            },
        ),
        migrations.AlterField(
            model_name="reminder",
            name="recipient",
            field=models.ForeignKey(db_index=False,
                                    on_delete=django.db.models.deletion.CASCADE,
                                    related_name="reminders", to=settings.AUTH_USER_MODEL,
                                    verbose_name="recipient"),
        ),
        migrations.RunSQL("ALTER TABLE matching_reminder SET (fillfactor = 50)",
                          "ALTER TABLE matching_reminder RESET (fillfactor)"),
    ]
