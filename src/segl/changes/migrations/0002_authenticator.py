"""A delayed change belongs to an authenticator of any kind, not to an app instance: each row
gets its app's authenticator, then the app instance column goes."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def to_authenticator(apps, schema_editor):
    AppInstance = apps.get_model("app", "AppInstance")
    apps.get_model("changes", "DelayedChange").objects.update(
        authenticator_id=Subquery(
            AppInstance.objects.filter(pk=OuterRef("instance_id")).values("authenticator_id")[:1]
        )
    )


def to_instance(apps, schema_editor):
    AppInstance = apps.get_model("app", "AppInstance")
    apps.get_model("changes", "DelayedChange").objects.update(
        instance_id=Subquery(
            AppInstance.objects.filter(authenticator_id=OuterRef("authenticator_id")).values("pk")[
                :1
            ]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("app", "0003_delayedchange_moves_to_changes"),
        ("authenticators", "0002_failure_limit"),
        ("changes", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="delayedchange",
            name="authenticator",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="delayed_changes",
                to="authenticators.authenticator",
            ),
        ),
        migrations.AlterField(
            model_name="delayedchange",
            name="instance",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="app.appinstance",
            ),
        ),
        migrations.RunPython(to_authenticator, to_instance),
        migrations.AlterField(
            model_name="delayedchange",
            name="authenticator",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="delayed_changes",
                to="authenticators.authenticator",
            ),
        ),
        migrations.RemoveField(model_name="delayedchange", name="instance"),
    ]
