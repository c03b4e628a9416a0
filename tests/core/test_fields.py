import base64

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models
from django.db.migrations.writer import MigrationWriter
from django.db.models import F
from django.test import override_settings

from tests.testapp.models import Secret
from tongban.core.crypto import DecryptionError, decrypt_text, encrypt_text, token_key_id
from tongban.core.fields import EncryptedTextField
from tongban.core.models import AuditEvent

ID = "53010219900101123X"
PHONE = "13812345678"
K1 = "k1:" + base64.b64encode(bytes(range(32))).decode()
K2 = "k2:" + base64.b64encode(bytes(range(100, 132))).decode()


def _raw(pk: int, column: str = "id_number") -> str | None:
    """The stored value, read behind the ORM's back."""
    table = connection.ops.quote_name(Secret._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {connection.ops.quote_name(column)} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def _set_raw(pk: int, column: str, value: str) -> None:
    table = connection.ops.quote_name(Secret._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {connection.ops.quote_name(column)} = %s WHERE id = %s",  # noqa: S608
                       [value, pk])


# --- storing and reading ---


@pytest.mark.django_db
def test_stores_ciphertext_and_reads_plaintext():
    secret = Secret.objects.create(label="a", id_number=ID, phone=PHONE)
    assert secret.id_number == ID  # the instance keeps the plaintext
    raw = _raw(secret.pk)
    assert raw.startswith("v1:dev:") and ID not in raw and "123X" not in raw
    assert decrypt_text(raw, context="testapp.secret.id_number") == ID
    assert PHONE not in _raw(secret.pk, "phone")
    fresh = Secret.objects.get(pk=secret.pk)
    assert (fresh.id_number, fresh.phone) == (ID, PHONE)
    assert list(Secret.objects.values_list("id_number", "phone")) == [(ID, PHONE)]
    secret.refresh_from_db()
    assert secret.id_number == ID


@pytest.mark.django_db
def test_unicode_round_trip_through_the_database():
    text = "𠮷野家·阿卜杜・热合曼 葛\U000E0100"
    secret = Secret.objects.create(id_number=text, phone=text)
    assert Secret.objects.get(pk=secret.pk).id_number == text
    assert Secret.objects.get(pk=secret.pk).phone == text


@pytest.mark.django_db
def test_none_stays_null_and_empty_stays_empty():
    secret = Secret.objects.create(label="empty", id_number=None, phone="")
    assert _raw(secret.pk) is None
    assert _raw(secret.pk, "phone") == ""
    fresh = Secret.objects.get(pk=secret.pk)
    assert fresh.id_number is None and fresh.phone == ""


@pytest.mark.django_db
def test_each_save_uses_a_new_nonce():
    secret = Secret.objects.create(id_number=ID)
    first = _raw(secret.pk)
    secret.save()
    assert _raw(secret.pk) != first
    assert Secret.objects.get(pk=secret.pk).id_number == ID


@pytest.mark.django_db
def test_bulk_create_update_and_bulk_update_encrypt():
    rows = Secret.objects.bulk_create([Secret(label=str(i), id_number=f"ID{i}", phone=f"P{i}") for i in range(3)])
    pks = [row.pk for row in Secret.objects.order_by("pk")]
    assert all(_raw(pk).startswith("v1:") for pk in pks)
    assert [s.id_number for s in Secret.objects.order_by("pk")] == ["ID0", "ID1", "ID2"]

    Secret.objects.filter(label="0").update(id_number="updated")
    assert "updated" not in _raw(pks[0])
    assert Secret.objects.get(pk=pks[0]).id_number == "updated"

    for row in rows:
        row.phone = f"new-{row.label}"
    Secret.objects.bulk_update(rows, ["phone"])
    assert all("new-" not in _raw(pk, "phone") for pk in pks)
    assert [s.phone for s in Secret.objects.order_by("pk")] == ["new-0", "new-1", "new-2"]


@pytest.mark.django_db
def test_value_copied_into_another_column_does_not_decrypt():
    secret = Secret.objects.create(id_number=ID, phone=PHONE)
    Secret.objects.filter(pk=secret.pk).update(phone=F("id_number"))
    assert _raw(secret.pk, "phone") == _raw(secret.pk)
    with pytest.raises(DecryptionError, match=r"testapp\.secret\.phone"):
        Secret.objects.get(pk=secret.pk)


@pytest.mark.django_db
def test_tampered_column_fails_loudly():
    secret = Secret.objects.create(id_number=ID)
    _set_raw(secret.pk, "id_number", "53010219900101123X")  # plaintext slipped in behind the ORM
    with pytest.raises(DecryptionError):
        Secret.objects.get(pk=secret.pk)


# --- lookups ---


@pytest.mark.django_db
def test_only_isnull_lookups_are_allowed():
    Secret.objects.create(label="a", id_number=ID)
    Secret.objects.create(label="b", id_number=None)
    assert list(Secret.objects.filter(id_number__isnull=True).values_list("label", flat=True)) == ["b"]
    assert list(Secret.objects.exclude(id_number__isnull=True).values_list("label", flat=True)) == ["a"]
    for kwargs in ({"id_number": ID}, {"id_number__exact": ID}, {"id_number__icontains": "123"},
                   {"id_number__in": [ID]}, {"id_number__startswith": "5301"}, {"phone__lower": "x"},
                   {"id_number": None}):
        with pytest.raises(TypeError, match="blind index"):
            list(Secret.objects.filter(**kwargs))
    with pytest.raises(TypeError, match=r"testapp\.Secret\.id_number is encrypted"):
        Secret.objects.get_or_create(id_number=ID)


# --- definition ---


def test_context_names_app_model_and_field():
    field = Secret._meta.get_field("id_number")
    assert isinstance(field, EncryptedTextField)
    assert field.context == "testapp.secret.id_number"
    assert EncryptedTextField(context="identity.person.id_number").context == "identity.person.id_number"
    with pytest.raises(ImproperlyConfigured, match="before it was added"):
        _ = EncryptedTextField().context
    with pytest.raises(ImproperlyConfigured, match="non-empty"):
        EncryptedTextField(context="")


def test_deconstruct_round_trips_for_migrations():
    name, path, args, kwargs = Secret._meta.get_field("id_number").deconstruct()
    assert (name, path, args) == ("id_number", "tongban.core.fields.EncryptedTextField", [])
    assert kwargs == {"verbose_name": "身份证号", "null": True, "blank": True}
    pinned = EncryptedTextField("手机号", context="identity.person.phone")
    _, path, args, kwargs = pinned.deconstruct()
    assert kwargs["context"] == "identity.person.phone"
    rebuilt = EncryptedTextField(*args, **kwargs)
    assert rebuilt.context == "identity.person.phone"
    serialized, imports = MigrationWriter.serialize(pinned)
    assert "tongban.core.fields.EncryptedTextField(" in serialized and "context='identity.person.phone'" in serialized
    assert "import tongban.core.fields" in imports


@pytest.mark.django_db
def test_makemigrations_sees_no_changes_in_testapp():
    call_command("makemigrations", "testapp", "--check", "--dry-run", "--skip-checks", verbosity=0)


def test_unique_and_db_index_are_refused_by_system_checks():
    from django.apps import apps

    class Bad(models.Model):
        a = EncryptedTextField(unique=True)
        b = EncryptedTextField(db_index=True)
        c = EncryptedTextField()

        class Meta:
            app_label = "testapp"

        def __str__(self) -> str:
            return "bad"

    try:
        errors = {(e.obj.name, e.id) for e in Bad.check() if e.id == "core.E101"}
    finally:
        apps.all_models["testapp"].pop("bad", None)
        apps.clear_cache()
    assert errors == {("a", "core.E101"), ("b", "core.E101")}


def test_field_in_a_data_migration_context_matches():
    """Historical models (migrations) have the same app label and model name, so the context is the same."""
    from django.db.migrations.loader import MigrationLoader

    state = MigrationLoader(None, ignore_no_migrations=True).project_state(("testapp", "0001_initial"))
    historical = state.apps.get_model("testapp", "Secret")
    assert historical._meta.get_field("id_number").context == "testapp.secret.id_number"


# --- rotate_data_keys ---


@pytest.mark.django_db
def test_rotate_data_keys_reencrypts_old_values(capsys):
    with override_settings(DATA_KEYS=[K1]):
        pks = [Secret.objects.create(label=str(i), id_number=f"ID{i}", phone=f"P{i}").pk for i in range(5)]
        Secret.objects.create(label="empty", id_number=None, phone="")
    with override_settings(DATA_KEYS=[K2, K1]):
        Secret.objects.create(label="new", id_number="already-k2", phone="")
        call_command("rotate_data_keys", "testapp", "--dry-run", "--batch-size", "2")
        out = capsys.readouterr().out
        assert "testapp.Secret.id_number: 6 values, 5 under older keys, 5 to re-encrypt" in out
        assert "testapp.Secret.phone: 5 values, 5 under older keys" in out
        assert all(token_key_id(_raw(pk)) == "k1" for pk in pks)  # dry run writes nothing

        call_command("rotate_data_keys", "testapp.Secret", "--batch-size", "2")
        out = capsys.readouterr().out
        assert "testapp.Secret.id_number: 6 values, 5 under older keys, 5 re-encrypted" in out
        assert "re-encrypted 10 values" in out
        assert all(token_key_id(_raw(pk)) == "k2" and token_key_id(_raw(pk, "phone")) == "k2" for pk in pks)
        assert [s.id_number for s in Secret.objects.filter(pk__in=pks).order_by("pk")] == [f"ID{i}" for i in range(5)]
        event = AuditEvent.objects.get(action="core.data_keys.rotate")
        assert event.detail["rotated"] == 10 and event.detail["key_id"] == "k2"

        call_command("rotate_data_keys", "testapp")
        assert "re-encrypted 0 values" in capsys.readouterr().out
    with override_settings(DATA_KEYS=[K2]):  # the old key can go now
        assert [s.phone for s in Secret.objects.filter(pk__in=pks).order_by("pk")] == [f"P{i}" for i in range(5)]


@pytest.mark.django_db
def test_rotate_data_keys_reports_unreadable_values(capsys):
    with override_settings(DATA_KEYS=[K1]):
        good = Secret.objects.create(id_number="x").pk
        bad = Secret.objects.create(id_number="y").pk
    _set_raw(bad, "id_number", encrypt_text("y", context="somewhere.else.entirely"))
    with override_settings(DATA_KEYS=[K2, K1]):
        with pytest.raises(CommandError, match="1 values cannot be decrypted"):
            call_command("rotate_data_keys", "testapp")
        captured = capsys.readouterr()
        assert f"pk={bad}" in captured.err
        assert token_key_id(_raw(good)) == "k2"


@pytest.mark.django_db
def test_rotate_data_keys_refuses_unknown_labels():
    with pytest.raises(CommandError, match="no encrypted fields in: core"):
        call_command("rotate_data_keys", "core")


def test_every_encrypted_field_is_found():
    from tongban.core.management.commands.rotate_data_keys import encrypted_fields

    found = {f"{model._meta.label}.{field.name}" for model, field in encrypted_fields()}
    assert {"testapp.Secret.id_number", "testapp.Secret.phone"} <= found
