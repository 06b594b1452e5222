"""DelayedChange is segl.changes' now (decision 25): the app forgets the model, not the table."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("app", "0002_decoy_requests"),
        ("changes", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="DelayedChange")],
            database_operations=[],
        ),
    ]
