"""Bank-transfer receipts move to private storage (PRIVATE_MEDIA_ROOT); receipts uploaded
before are moved there from MEDIA_ROOT, so that they too stop being served publicly."""

from django.core.files.storage import default_storage
from django.db import migrations, models

import accounts.storage
import catalog.models


def _move_files(apps, source, target) -> None:
    TransferVoucher = apps.get_model("payments", "TransferVoucher")
    for name in TransferVoucher.objects.values_list("file", flat=True).iterator():
        if not name or target.exists(name) or not source.exists(name):
            continue
        with source.open(name) as content:
            saved = target.save(name, content)
        if saved != name:
            TransferVoucher.objects.filter(file=name).update(file=saved)
        source.delete(name)


def to_private(apps, schema_editor) -> None:
    _move_files(apps, default_storage, accounts.storage.PrivateStorage())


def to_public(apps, schema_editor) -> None:
    _move_files(apps, accounts.storage.PrivateStorage(), default_storage)


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0001_payments"),
    ]

    operations = [
        migrations.AlterField(
            model_name="transfervoucher",
            name="file",
            field=models.FileField(
                storage=accounts.storage.PrivateStorage(),
                upload_to=catalog.models.UploadTo("vouchers"),
                verbose_name="voucher",
            ),
        ),
        migrations.RunPython(to_private, to_public, elidable=True),
    ]
