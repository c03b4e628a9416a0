"""Accounts of existing staff become staff accounts (the account kind arrived after them)."""

from django.db import migrations


def forwards(apps, schema_editor):
    user_ids = apps.get_model("directory", "Staff").objects.values_list("user_id", flat=True)
    apps.get_model("identity", "User").objects.filter(pk__in=list(user_ids)).update(kind="staff")


class Migration(migrations.Migration):
    dependencies = [("directory", "0003_staff_roles"), ("identity", "0002_assuranceevent_authfailure_person_verificationcode_and_more")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
