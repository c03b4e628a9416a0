"""Create the catalogue revision row up front, so concurrent first publishers never race to insert it."""

from django.db import migrations


def forwards(apps, schema_editor):
    apps.get_model("catalog", "CatalogRevision").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
