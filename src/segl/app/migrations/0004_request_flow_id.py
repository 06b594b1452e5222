"""An app request keeps its login's id as a plain column instead of a foreign key to the flow:
the app (an authenticator kind) sits below the flows and does not reach into their table. The
column and its values stay; only the constraint goes. Requests are purged by age (``app_purge``)
instead of with their flows."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("app", "0003_delayedchange_moves_to_changes"),
        ("flows", "0005_decoy_key_for_every_flow"),
    ]

    operations = [
        # First drop the constraint (the column and its index stay as they are)...
        migrations.AlterField(
            model_name="apprequest",
            name="flow",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=models.DO_NOTHING,
                related_name="+",
                to="flows.flow",
            ),
        ),
        # ...then call it what it now is: a plain, indexed login id in the same column.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="apprequest", name="flow"),
                migrations.AddField(
                    model_name="apprequest",
                    name="flow_id",
                    field=models.CharField(db_index=True, default="", max_length=32),
                    preserve_default=False,
                ),
            ],
        ),
    ]
