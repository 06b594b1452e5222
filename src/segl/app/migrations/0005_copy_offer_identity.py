"""A copy offer names its identity, and may come from a proofing phone with no app (seed 002,
step 5: "On another phone/tablet"); an app activated after proofing with a document."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def identities_from_apps(apps, schema_editor):
    CopyOffer = apps.get_model("app", "CopyOffer")
    for offer in CopyOffer.objects.select_related("instance__authenticator").iterator():
        offer.identity_id = offer.instance.authenticator.identity_id
        offer.save(update_fields=["identity"])


class Migration(migrations.Migration):
    dependencies = [
        ("app", "0004_request_flow_id"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="copyoffer",
            name="identity",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(identities_from_apps, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="copyoffer",
            name="identity",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="copyoffer",
            name="instance",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="app.appinstance",
            ),
        ),
        migrations.AlterField(
            model_name="appactivation",
            name="via",
            field=models.CharField(
                choices=[
                    ("code", "activation code"),
                    ("copy", "copy from another app"),
                    ("proofing", "passport or ID card"),
                ],
                max_length=8,
            ),
        ),
    ]
