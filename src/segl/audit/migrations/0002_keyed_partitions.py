# Keyed audit chains in partitions (decision 20). The events written so far keep their plain
# SHA-256 digests as the legacy segment, partition -1; its head row records where it ended, and
# every keyed partition starts from that digest, so the legacy segment is bound into each keyed
# chain. Nothing is re-sealed: the migration needs no key.

from django.db import migrations, models

GENESIS = "0" * 64


def seal_legacy_segment(apps, schema_editor):
    AuditHead = apps.get_model("audit", "AuditHead")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditPartition = apps.get_model("audit", "AuditPartition")
    head = AuditHead.objects.filter(id=1).first()
    if head is not None and head.seq > 0:
        # The head row, not the newest event: if the legacy tail was already cut, that shows.
        AuditPartition.objects.create(number=-1, seq=head.seq, digest=head.digest)
        return
    last = AuditEvent.objects.order_by("-seq").first()
    if last is not None:
        AuditPartition.objects.create(number=-1, seq=last.seq, digest=last.digest)


def unseal_legacy_segment(apps, schema_editor):
    AuditHead = apps.get_model("audit", "AuditHead")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditPartition = apps.get_model("audit", "AuditPartition")
    if AuditEvent.objects.exclude(partition=-1).exists():
        raise RuntimeError("keyed audit events exist; they cannot go back to one plain chain")
    legacy = AuditPartition.objects.filter(number=-1).first()
    AuditHead.objects.update_or_create(
        id=1,
        defaults={
            "seq": legacy.seq if legacy else 0,
            "digest": legacy.digest if legacy else GENESIS,
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="partition",
            field=models.SmallIntegerField(default=-1),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="kid",
            field=models.CharField(blank=True, default="", max_length=32),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="digest",
            field=models.CharField(max_length=64),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(
                fields=("partition", "seq"), name="audit_event_partition_seq"
            ),
        ),
        migrations.AlterModelOptions(
            name="auditevent",
            options={"ordering": ["id"]},
        ),
        migrations.CreateModel(
            name="AuditPartition",
            fields=[
                ("number", models.SmallIntegerField(primary_key=True, serialize=False)),
                ("seq", models.BigIntegerField(default=0)),
                ("digest", models.CharField(default=GENESIS, max_length=64)),
            ],
            options={"db_table": "audit_auditpartition"},
        ),
        migrations.RunPython(seal_legacy_segment, unseal_legacy_segment),
        migrations.DeleteModel(
            name="AuditHead",
        ),
    ]
