"""Create the chain head row up front, so concurrent first writers never race to insert it."""

from django.db import migrations


def forwards(apps, schema_editor):
    apps.get_model("core", "AuditChainHead").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_append_only_trigger")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
