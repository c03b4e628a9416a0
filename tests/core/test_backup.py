"""Backup and restore (tongban.core.backup): round trips on SQLite and PostgreSQL, damaged backups, a changed row
count, a broken audit chain, a target that already has tables."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import urllib.parse
import uuid
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tongban.core.audit import SYSTEM, Target, audit_record
from tongban.core.backup import BackupError, backup_create, backup_restore, manifest_sign, pg_tool
from tongban.core.models import AuditEvent
from tongban.files.storage import sealed_read, sealed_save

pytestmark = pytest.mark.django_db(transaction=True)  # pg_dump and the backup API see committed data only


def _use_storages(settings: Any, root: Path) -> None:
    settings.STORAGES = {**settings.STORAGES,
                         "files": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                   "OPTIONS": {"location": str(root / "files")}},
                         "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                     "OPTIONS": {"location": str(root / "media")}}}


@pytest.fixture
def source(settings: Any, tmp_path: Path) -> dict[str, Any]:
    """Some audit records, two sealed materials in the files storage and one object in the default storage."""
    _use_storages(settings, tmp_path / "source")
    for i in range(3):
        audit_record(action="test.backup", actor=SYSTEM, target=Target(type="t", id=str(i)))
    names = [sealed_save(b"%PDF-1.4 material one"), sealed_save("身份证正面".encode() * 100)]
    storages["default"].save("realname/photo.bin", ContentFile(b"sealed photo"))
    return {"names": names, "root": tmp_path}


def _restore_storages(settings: Any, root: Path) -> Path:
    target = root / "restored"
    _use_storages(settings, target)
    return target


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _rewrite_manifest(backup: Path, manifest: dict[str, Any], *, sign: bool = True) -> None:
    """Write an edited manifest; with ``sign``, signed again as only someone holding the site's keys could."""
    (backup / "manifest.json").write_text(json.dumps(manifest))
    if sign:
        (backup / "manifest.sig").write_text(manifest_sign((backup / "manifest.json").read_bytes()))


_DATABASE_URL = os.environ.get("DATABASE_URL", "")
sqlite_only = pytest.mark.skipif(bool(_DATABASE_URL), reason="SQLite (the PostgreSQL round trip is below)")
postgresql_only = pytest.mark.skipif(
    not _DATABASE_URL.startswith(("postgres://", "postgresql://")) or (
        shutil.which("pg_dump") is None and not list(Path("/usr/lib/postgresql").glob("*/bin/pg_dump"))),
    reason="needs DATABASE_URL=postgres://… and pg_dump")


# --- SQLite --------------------------------------------------------------------------------------------------


@sqlite_only
def test_sqlite_round_trip(source, settings, capsys):
    root = source["root"]
    result = backup_create(output=root / "backup")
    manifest = json.loads((root / "backup" / "manifest.json").read_text())
    assert manifest == result.manifest
    assert manifest["database"]["vendor"] == "sqlite"
    assert manifest["tables"]["core_auditevent"] == 3 and manifest["audit"]["last_seq"] == 3
    assert set(manifest["storages"]["files"]["objects"]) == set(source["names"])
    assert list(manifest["storages"]["default"]["objects"]) == ["realname/photo.bin"]
    assert manifest["migrations"]["core"]  # the applied heads per app
    assert oct((root / "backup").stat().st_mode & 0o777) == "0o700"
    assert not [p for p in root.iterdir() if ".partial-" in p.name]

    restored = _restore_storages(settings, root)
    target = root / "target.sqlite3"
    call_command("restore", "--input", str(root / "backup"), "--database-url", _sqlite_url(target))
    out = capsys.readouterr().out
    assert "恢复并核对完成" in out and "审计链：3 条记录逐条验证完整" in out
    # The materials decrypt from the new storage: same bytes, same names (the ciphertext is bound to its name).
    assert sealed_read(source["names"][0]) == b"%PDF-1.4 material one"
    assert (restored / "media" / "realname" / "photo.bin").read_bytes() == b"sealed photo"
    with closing(sqlite3.connect(target)) as db:
        actions = [row[0] for row in db.execute("SELECT action FROM core_auditevent ORDER BY seq")]
    assert actions == ["test.backup"] * 3 + ["core.backup.restore"]
    # The backup itself is recorded in the source database.
    assert AuditEvent.objects.order_by("-seq").values_list("action", flat=True)[0] == "core.backup.create"


@sqlite_only
def test_restore_refuses_a_target_with_tables_unless_forced(source, settings):
    root = source["root"]
    backup_create(output=root / "backup")
    _restore_storages(settings, root)
    target = root / "target.sqlite3"
    with closing(sqlite3.connect(target)) as db, db:
        db.execute("CREATE TABLE precious (id integer)")
    with pytest.raises(CommandError, match=r"目标数据库已有 1 张表.*拒绝恢复.*--force"):
        call_command("restore", "--input", str(root / "backup"), "--database-url", _sqlite_url(target))
    report = backup_restore(source=root / "backup", database_url=_sqlite_url(target), force=True)
    assert report.ok, report.problems


@sqlite_only
def test_tampered_dump_is_refused_before_anything_is_written(source, settings):
    root = source["root"]
    backup_create(output=root / "backup")
    dump = root / "backup" / "database.sqlite3"
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0x01
    dump.write_bytes(bytes(data))
    restored = _restore_storages(settings, root)
    with pytest.raises(BackupError, match=r"database\.sqlite3 的 SHA-256 与清单不符：备份已损坏或被篡改"):
        backup_restore(source=root / "backup", database_url=_sqlite_url(root / "target.sqlite3"))
    assert not (root / "target.sqlite3").exists() and not restored.exists()


@sqlite_only
def test_tampered_stored_file_is_refused(source, settings):
    root = source["root"]
    backup_create(output=root / "backup")
    victim = root / "backup" / "files" / "files" / source["names"][1]
    victim.write_bytes(victim.read_bytes()[:-1] + b"\0")
    _restore_storages(settings, root)
    with pytest.raises(CommandError, match=f"存储对象 files/{source['names'][1]} 的 SHA-256 与清单不符"):
        call_command("restore", "--input", str(root / "backup"), "--database-url",
                     _sqlite_url(root / "target.sqlite3"))


def _stored_file(name: str) -> None:
    from tongban.files.models import StoredFile

    StoredFile.objects.create(owner_user_id=1, purpose="test", kind="pdf", mime="application/pdf", size=1,
                              sha256="0" * 64, storage_name=name, display_name="材料.pdf", scan_status="clean")


@sqlite_only
def test_objects_the_database_refers_to_are_recorded_and_checked(source, settings):
    """A row whose bytes were already gone is recorded at backup time and noted at restore; an object that goes
    missing from the backup afterwards (removed from the folder and the manifest alike) is a problem."""
    root = source["root"]
    for name in source["names"]:
        _stored_file(name)
    _stored_file("00/lost-before-the-backup.bin")  # sorts first
    said: list[str] = []
    result = backup_create(output=root / "backup", echo=said.append)
    assert result.manifest["references"]["files"] == {
        "checked": 3, "missing_count": 1, "missing": ["00/lost-before-the-backup.bin"]}
    assert result.manifest["references"]["default"] == {"checked": 0, "missing_count": 0, "missing": []}
    assert any("数据库引用的 1 个 files 存储对象不存在" in line for line in said)
    _restore_storages(settings, root)
    report = backup_restore(source=root / "backup", database_url=_sqlite_url(root / "target.sqlite3"))
    assert report.ok and report.notes == ["数据库引用的 1 个 files 存储对象在备份时就已缺失（见备份清单 references）。"]

    manifest_path = root / "backup" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    del manifest["storages"]["files"]["objects"][source["names"][0]]
    _rewrite_manifest(root / "backup", manifest)
    (root / "backup" / "files" / "files" / source["names"][0]).unlink()
    _restore_storages(settings, root / "again")
    report = backup_restore(source=root / "backup", database_url=_sqlite_url(root / "again.sqlite3"))
    assert report.problems == [f"数据库引用的 1 个 files 存储对象不在备份中（例如 {source['names'][0]}）"]


@sqlite_only
def test_a_manifest_changed_without_the_key_is_refused(source, settings):
    """Damage or tampering that also fixes the SHA-256s in the manifest: the signature no longer matches."""
    root = source["root"]
    backup_create(output=root / "backup")
    manifest = json.loads((root / "backup" / "manifest.json").read_text())
    manifest["tables"]["core_auditevent"] += 1
    _rewrite_manifest(root / "backup", manifest, sign=False)
    restored = _restore_storages(settings, root)
    with pytest.raises(BackupError, match="备份清单的签名不符：清单被改动过"):
        backup_restore(source=root / "backup", database_url=_sqlite_url(root / "target.sqlite3"))
    (root / "backup" / "manifest.sig").unlink()
    with pytest.raises(CommandError, match=r"缺少清单签名 manifest\.sig"):
        call_command("restore", "--input", str(root / "backup"), "--database-url", _sqlite_url(root / "t.sqlite3"))
    assert not (root / "target.sqlite3").exists() and not restored.exists()


@sqlite_only
def test_changed_row_count_fails_the_verification(source, settings):
    root = source["root"]
    backup_create(output=root / "backup")
    manifest_path = root / "backup" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["tables"]["core_auditevent"] += 1
    _rewrite_manifest(root / "backup", manifest)
    _restore_storages(settings, root)
    report = backup_restore(source=root / "backup", database_url=_sqlite_url(root / "target.sqlite3"))
    assert report.problems == ["行数不符：core_auditevent 清单 4 行，恢复后 3"]
    _rewrite_manifest(root / "backup", manifest)
    with pytest.raises(CommandError, match="恢复校验失败：1 处与备份清单不一致"):
        call_command("restore", "--input", str(root / "backup"), "--database-url",
                     _sqlite_url(root / "other.sqlite3"))


@sqlite_only
def test_broken_audit_chain_fails_the_verification(source, settings):
    """Someone with the backup and the site's keys edits an audit record, fixes the manifest's SHA-256 and signs it
    again: the chain check still finds it."""
    root = source["root"]
    backup_create(output=root / "backup")
    dump = root / "backup" / "database.sqlite3"
    with closing(sqlite3.connect(dump)) as db, db:
        db.execute("UPDATE core_auditevent SET actor_label = 'mallory' WHERE seq = 2")
    manifest_path = root / "backup" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["database"]["sha256"] = hashlib.sha256(dump.read_bytes()).hexdigest()
    _rewrite_manifest(root / "backup", manifest)
    _restore_storages(settings, root)
    report = backup_restore(source=root / "backup", database_url=_sqlite_url(root / "target.sqlite3"))
    assert report.problems == ["审计链：记录 2：content does not match its hash (edited)"]


@sqlite_only
def test_a_failed_backup_leaves_nothing_that_looks_complete(source, settings):
    """A stored object that cannot be read (a dangling link): the backup fails and its partial directory goes."""
    root = source["root"]
    os.symlink(root / "nowhere", root / "source" / "files" / "dangling.bin")
    with pytest.raises(FileNotFoundError):
        backup_create(output=root / "backup")
    assert not (root / "backup").exists()
    assert not [p for p in root.iterdir() if ".partial-" in p.name]


@sqlite_only
def test_an_existing_output_directory_is_refused(source):
    (source["root"] / "backup").mkdir()
    with pytest.raises(CommandError, match="备份目录已存在"):
        call_command("backup", "--output", str(source["root"] / "backup"))


# --- PostgreSQL ----------------------------------------------------------------------------------------------


def _admin(sql: str) -> None:
    import psycopg

    params = connection.get_connection_params()
    params["dbname"] = "postgres"
    params.pop("context", None)
    params.pop("cursor_factory", None)
    with psycopg.connect(**{k: v for k, v in params.items() if v not in (None, "")}, autocommit=True) as admin:
        admin.execute(sql)


def _pg_url(name: str) -> str:
    db = connection.settings_dict
    auth = urllib.parse.quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + urllib.parse.quote(db["PASSWORD"], safe="")
    return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{name}"


@pytest.fixture
def scratch_databases():
    """Fresh, empty databases on the test server, dropped afterwards."""
    made: list[str] = []

    def make() -> str:
        name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
        _admin(f'CREATE DATABASE "{name}"')
        made.append(name)
        return name

    yield make
    for name in made:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@postgresql_only
def test_postgresql_round_trip(source, settings, scratch_databases):
    root = source["root"]
    result = backup_create(output=root / "backup")
    assert result.manifest["database"]["vendor"] == "postgresql"
    assert result.manifest["database"]["tool"].startswith("pg_dump ")
    assert result.manifest["tables"]["core_auditevent"] == 3
    restored = _restore_storages(settings, root)

    target = scratch_databases()
    report = backup_restore(source=root / "backup", database_url=_pg_url(target), jobs=2)
    assert report.ok, report.problems
    assert sealed_read(source["names"][1]) == "身份证正面".encode() * 100
    assert (restored / "media" / "realname" / "photo.bin").exists()

    # The restored database now has tables: a second restore into it is refused.
    with pytest.raises(BackupError, match="拒绝恢复"):
        backup_restore(source=root / "backup", database_url=_pg_url(target))

    # A damaged dump is refused before pg_restore runs.
    dump = root / "backup" / "database.dump"
    dump.write_bytes(dump.read_bytes()[:-10])
    other = scratch_databases()
    with pytest.raises(BackupError, match=r"database\.dump 的 SHA-256 与清单不符"):
        backup_restore(source=root / "backup", database_url=_pg_url(other))


@postgresql_only
def test_pg_dump_older_than_the_server_is_refused_clearly():
    _, major = pg_tool("pg_dump", server_major=connection.pg_version // 10000)
    assert major >= connection.pg_version // 10000
    with pytest.raises(BackupError, match=r"pg_dump 的主版本低于数据库服务器的 99.*postgresql-client-99"):
        pg_tool("pg_dump", server_major=99)


@sqlite_only
def test_objects_of_an_s3_store_round_trip(source, settings, monkeypatch):
    """The files storage as an S3 bucket (moto's in-process S3): listed, copied and put back into a second bucket."""
    import boto3
    from moto import mock_aws

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    root = source["root"]

    def use_bucket(bucket: str) -> None:
        # The options tongban.conf.settings builds for TONGBAN_FILE_STORAGE=storages.backends.s3.S3Storage.
        settings.STORAGES = {**settings.STORAGES, "files": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
            "bucket_name": bucket, "region_name": "cn-north-1", "default_acl": "private", "file_overwrite": False,
            "querystring_auth": True, "location": "files"}}}

    with mock_aws():
        client = boto3.client("s3", region_name="cn-north-1")
        for bucket in ("tongban-primary", "tongban-restored"):
            client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "cn-north-1"})
        use_bucket("tongban-primary")
        names = [sealed_save(b"%PDF-1.7 in the bucket"), sealed_save(b"%PDF-1.7 another")]
        manifest = backup_create(output=root / "backup").manifest
        assert set(manifest["storages"]["files"]["objects"]) == set(names)
        assert manifest["storages"]["files"]["backend"] == "storages.backends.s3.S3Storage"

        use_bucket("tongban-restored")
        report = backup_restore(source=root / "backup", database_url=_sqlite_url(root / "target.sqlite3"))
        assert report.ok, report.problems
        keys = {o["Key"] for o in client.list_objects_v2(Bucket="tongban-restored")["Contents"]}
        assert keys == {f"files/{name}" for name in names}
        assert sealed_read(names[0]) == b"%PDF-1.7 in the bucket"
