"""DelayedChange moves here from the app (decision 25): the model only; its table and rows stay."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("app", "0002_decoy_requests"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="DelayedChange",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "what",
                            models.CharField(
                                choices=[("one_time_codes", "Approve with one-time codes")],
                                max_length=32,
                            ),
                        ),
                        ("requested_at", models.DateTimeField()),
                        ("effective_at", models.DateTimeField()),
                        ("confirmed_at", models.DateTimeField(blank=True, null=True)),
                        ("cancelled_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "instance",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="app.appinstance",
                            ),
                        ),
                    ],
                    options={"db_table": "app_delayedchange"},
                ),
            ],
            database_operations=[],
        ),
    ]
