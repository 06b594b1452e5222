"""The fulfilment page's operators become staff with the fulfilment role (decision 33): at the
first centre of the data file, since the old grant named none. A supervisor moves them."""

from django.db import migrations

FIRST_CENTRE = "kbh-vesterbro"


def forwards(apps, schema_editor):
    old = apps.get_model("orders", "FulfilmentOperator")
    role = apps.get_model("centres", "StaffRole")
    for row in old.objects.all():
        role.objects.get_or_create(
            identity_id=row.identity_id,
            centre=FIRST_CENTRE,
            role="fulfilment",
            defaults={"granted_at": row.added_at, "granted_by": row.added_by or "migration"},
        )


def backwards(apps, schema_editor):
    old = apps.get_model("orders", "FulfilmentOperator")
    role = apps.get_model("centres", "StaffRole")
    for row in role.objects.filter(role="fulfilment"):
        old.objects.get_or_create(
            identity_id=row.identity_id,
            defaults={"added_at": row.granted_at, "added_by": row.granted_by},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("centres", "0001_initial"),
        ("orders", "0004_alter_order_identified_by"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
