"""Backup and restore (备份与恢复): the database, every stored object and a manifest that the restore checks.

* :func:`backup_create` writes one directory: ``database.dump`` (PostgreSQL: ``pg_dump --format=custom``) or
  ``database.sqlite3`` (SQLite, development: the online backup API), ``files/<storage alias>/<name>`` for every
  object of the ``files`` storage (materials, generated documents, archives — encrypted, as stored) and of the
  ``default`` storage (real-name photos), and ``manifest.json``: when, which database, the applied migration heads
  per app, the row count of every table of the project's models, the audit chain's head and the SHA-256 of the
  dump and of every stored object, signed in ``manifest.sig`` (HMAC-SHA256 under a key derived from the audit
  key). Row counts, migrations and the audit head are read in the dump's own snapshot
  (PostgreSQL: ``pg_export_snapshot()`` handed to ``pg_dump --snapshot``; SQLite: read from the copy), so the
  manifest describes exactly what the dump holds even while the site is busy. The directory is built under a
  hidden ``.<name>.partial-…`` name and renamed at the end: a crashed backup never looks complete.
* :func:`backup_restore` checks the manifest's signature and every SHA-256 of the backup first, refuses a target database that has tables
  (unless ``force``), restores (``pg_restore --no-owner --exit-on-error``), puts the stored objects back and then
  verifies the result against the manifest: row counts, the audit chain end to end
  (:func:`tongban.core.audit.audit_verify`) and its head, and every object read back from the storage.

Keys are not in a backup: the data keys, the audit key and the secret key (TONGBAN_DATA_KEYS, TONGBAN_AUDIT_KEY,
TONGBAN_SECRET_KEY) are kept apart, and a restore needs the same ones (docs/operations/backup.md).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dj_database_url
from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader
from django.utils.translation import gettext as _

from tongban.core.audit import SYSTEM, AuditOutcome, Target, audit_keyed_digest, audit_record, audit_verify
from tongban.core.errors import DomainError
from tongban.core.models import AuditChainHead

__all__ = [
    "BackupError",
    "BackupResult",
    "RestoreReport",
    "backup_create",
    "backup_reference_register",
    "backup_restore",
    "manifest_sign",
]

FORMAT = 1
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"  # HMAC-SHA256 of manifest.json's bytes (audit_keyed_digest, purpose SIGNATURE_PURPOSE)
SIGNATURE_PURPOSE = "backup-manifest"
PG_DUMP_FILE = "database.dump"
SQLITE_FILE = "database.sqlite3"
FILES_DIR = "files"
# "files": materials, generated documents and archives (tongban.files); "default": real-name photos
# (tongban.realname.storage). Static files are built from the code and not backed up.
STORAGE_ALIASES = ("files", "default")
CHUNK = 1024 * 1024
PROGRESS_SECONDS = 2.0
HEARTBEAT_SECONDS = 10.0

Echo = Callable[[str], None]
MISSING_LISTED = 20  # missing references named in the manifest and the report (the rest are counted)


@dataclass(frozen=True)
class StoredReference:
    """Columns of ``model`` ("app_label.ModelName") that hold names of objects in the storage ``alias``."""

    alias: str
    model: str
    fields: tuple[str, ...]


_REFERENCES: list[StoredReference] = []


def backup_reference_register(*, alias: str, model: str, fields: Sequence[str]) -> None:
    """Say where an app's rows name stored objects (from its ``AppConfig.ready``), so that a backup records and a
    restore checks that every object the database refers to is there — not only that the copied objects match."""
    reference = StoredReference(alias=alias, model=model, fields=tuple(fields))
    if reference not in _REFERENCES:
        _REFERENCES.append(reference)


class BackupError(DomainError):
    code = "backup_error"


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: dict[str, Any]
    seconds: float
    size_bytes: int


@dataclass
class RestoreReport:
    manifest: dict[str, Any]
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems


def _silent(line: str) -> None:
    pass


# --- small helpers -------------------------------------------------------------------------------------------


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _human(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    value, unit = size / 1024, "KiB"
    for bigger in ("MiB", "GiB"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    return f"{value:.1f} {unit}"


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _owner_only(root: Path) -> None:
    """Files 0600, directories 0700: a backup holds the whole database."""
    for path in root.rglob("*"):
        path.chmod(0o700 if path.is_dir() else 0o600)
    root.chmod(0o700)


def _fsync(path: Path) -> None:
    with suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _model_tables() -> set[str]:
    """Every table of the project's models (many-to-many tables included), and Django's migration table."""
    tables = {"django_migrations"}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        tables.add(model._meta.db_table)
    return tables


def _existing_tables(cursor: Any, vendor: str) -> set[str]:
    if vendor == "postgresql":
        cursor.execute("SELECT c.relname FROM pg_catalog.pg_class c WHERE c.relkind IN ('r', 'p') "
                       "AND pg_catalog.pg_table_is_visible(c.oid)")
    else:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {row[0] for row in cursor.fetchall()}


def _row_counts(cursor: Any, vendor: str) -> dict[str, int]:
    counts = {}
    for table in sorted(_model_tables() & _existing_tables(cursor, vendor)):
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608  (a table name of our own models)
        counts[table] = int(cursor.fetchone()[0])
    return counts


def _audit_head(cursor: Any) -> dict[str, Any]:
    cursor.execute(f"SELECT last_seq, last_hash FROM {_quote(AuditChainHead._meta.db_table)} "  # noqa: S608
                   "WHERE id = 1")
    row = cursor.fetchone()
    return {"last_seq": int(row[0]), "last_hash": str(row[1])} if row else {"last_seq": 0, "last_hash": ""}


def _migration_heads(cursor: Any) -> dict[str, list[str]]:
    """Per app, the applied migrations that no other applied migration of the app builds on."""
    cursor.execute("SELECT app, name FROM django_migrations")
    applied = {(str(app), str(name)) for app, name in cursor.fetchall()}
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    heads: dict[str, list[str]] = {}
    for app, name in sorted(applied):
        node = graph.node_map.get((app, name))
        children = {child.key for child in node.children} if node is not None else set()
        if not any(child in applied and child[0] == app for child in children):
            heads.setdefault(app, []).append(name)
    return heads


def _code_heads() -> dict[str, list[str]]:
    heads: dict[str, list[str]] = {}
    for app, name in sorted(MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes()):
        heads.setdefault(app, []).append(name)
    return heads


def _safe_name(name: str) -> str:
    parts = name.split("/")
    if not name or name.startswith("/") or "\\" in name or any(part in ("", ".", "..") for part in parts):
        raise BackupError(_("备份清单中有不安全的存储名称：%(name)s") % {"name": name})
    return name


def _walk(storage: Storage, path: str = "") -> Iterator[str]:
    try:
        dirs, files = storage.listdir(path)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{path}/{name}" if path else name
    for name in sorted(dirs):
        yield from _walk(storage, f"{path}/{name}" if path else name)


def _storage_aliases() -> list[str]:
    return [alias for alias in STORAGE_ALIASES if alias in settings.STORAGES]


class _Progress:
    """Prints a progress line at most every PROGRESS_SECONDS."""

    def __init__(self, echo: Echo, label: str, total: int) -> None:
        self.echo, self.label, self.total = echo, label, total
        self.last = time.monotonic()

    def step(self, done: int, size: int) -> None:
        now = time.monotonic()
        if now - self.last >= PROGRESS_SECONDS or done == self.total:
            self.last = now
            self.echo(f"  {self.label}：{done:,} / {self.total:,} 个对象，{_human(size)}")


# --- PostgreSQL tools ----------------------------------------------------------------------------------------


def _tool_major(path: str) -> int:
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout  # noqa: S603
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", out) or re.search(r"(\d+)\.", out)
    if not match:
        raise BackupError(_("无法识别 %(tool)s 的版本：%(out)s") % {"tool": path, "out": out.strip()})
    return int(match.group(1))


def pg_tool(name: str, *, server_major: int) -> tuple[str, int]:
    """The ``pg_dump``/``pg_restore`` to use: one whose major version is at least the server's (the same major
    preferred), from PATH or /usr/lib/postgresql/*/bin."""
    candidates: dict[str, int] = {}
    on_path = shutil.which(name)
    paths = [on_path] if on_path else []
    paths += sorted(str(p) for p in Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    for path in paths:
        real = os.path.realpath(path)
        if real in candidates:
            continue
        with suppress(OSError, subprocess.CalledProcessError):
            candidates[path] = _tool_major(path)
    if not candidates:
        raise BackupError(_("找不到 %(tool)s：请安装 PostgreSQL %(major)d 的客户端工具（postgresql-client-%(major)d）。")
                          % {"tool": name, "major": server_major})
    fitting = sorted((major != server_major, major, path) for path, major in candidates.items() if major >= server_major)
    if not fitting:
        found = "、".join(f"{path}（{major}）" for path, major in candidates.items())
        raise BackupError(
            _("%(tool)s 的主版本低于数据库服务器的 %(server)d：找到 %(found)s。请安装 postgresql-client-%(server)d "
              "或更新的版本。") % {"tool": name, "server": server_major, "found": found})
    major, path = fitting[0][1], fitting[0][2]
    return path, major


def _pg_args_env(db: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Connection options for the libpq tools from a Django database settings dict (password in the environment)."""
    args = ["--no-password", f"--dbname={db['NAME']}"]
    if db.get("HOST"):
        args.append(f"--host={db['HOST']}")
    if db.get("PORT"):
        args.append(f"--port={db['PORT']}")
    if db.get("USER"):
        args.append(f"--username={db['USER']}")
    environ = dict(os.environ)
    if db.get("PASSWORD"):
        environ["PGPASSWORD"] = str(db["PASSWORD"])
    options = db.get("OPTIONS") or {}
    for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT"), ("sslcert", "PGSSLCERT"),
                             ("sslkey", "PGSSLKEY")):
        if options.get(option):
            environ[variable] = str(options[option])
    return args, environ


def _run_tool(command: list[str], environ: dict[str, str], what: str, *, echo: Echo,
              output: Path | None = None) -> None:
    """Run a PostgreSQL tool; every HEARTBEAT_SECONDS say how long it has run (and how large ``output`` is)."""
    started = time.monotonic()
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, env=environ, stdout=subprocess.DEVNULL, stderr=errors)  # noqa: S603
        while True:
            try:
                code = process.wait(timeout=HEARTBEAT_SECONDS)
                break
            except subprocess.TimeoutExpired:
                size = f"，已写入 {_human(output.stat().st_size)}" if output is not None and output.exists() else ""
                echo(f"  {what.strip()} 进行中：{time.monotonic() - started:.0f} 秒{size}")
        errors.seek(0)
        message = errors.read().decode(errors="replace").strip()[-2000:]
    if code != 0:
        raise BackupError(_("%(what)s失败（退出码 %(code)d）：%(err)s") % {"what": what, "code": code, "err": message})


def _raw_connection(wrapper: BaseDatabaseWrapper) -> Any:
    """A new DB-API connection with the wrapper's settings, outside Django's transaction handling."""
    return wrapper.get_new_connection(wrapper.get_connection_params())


# --- backup --------------------------------------------------------------------------------------------------


def _backup_postgresql(wrapper: BaseDatabaseWrapper, target: Path, echo: Echo) -> dict[str, Any]:
    raw = _raw_connection(wrapper)
    try:
        version = int(raw.info.server_version)
        server_major = version // 10000
        tool, tool_major = pg_tool("pg_dump", server_major=server_major)
        echo(f"数据库：PostgreSQL {server_major}.{version % 10000}，{tool}（主版本 {tool_major}）")
        cursor = raw.cursor()
        # One snapshot for the dump and the manifest: counts, migrations and the audit head describe the dump.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        args, environ = _pg_args_env(wrapper.settings_dict)
        started = time.monotonic()
        echo(f"  pg_dump --format=custom → {PG_DUMP_FILE} …")
        _run_tool([tool, "--format=custom", f"--snapshot={snapshot}", f"--file={target / PG_DUMP_FILE}", *args],
                  environ, "pg_dump ", echo=echo, output=target / PG_DUMP_FILE)
        echo(f"  pg_dump 完成：{_human((target / PG_DUMP_FILE).stat().st_size)}，{time.monotonic() - started:.1f} 秒")
        echo("  统计各表行数（同一快照）…")
        counts = _row_counts(cursor, "postgresql")
        heads = _migration_heads(cursor)
        audit = _audit_head(cursor)
        raw.rollback()
    finally:
        raw.close()
    return {"vendor": "postgresql", "server_version": f"{server_major}.{version % 10000}", "tool": f"pg_dump {tool_major}",
            "file": PG_DUMP_FILE, "tables": counts, "migrations": heads, "audit": audit}


def _backup_sqlite(wrapper: BaseDatabaseWrapper, target: Path, echo: Echo) -> dict[str, Any]:
    echo(f"数据库：SQLite（开发用），在线备份 → {SQLITE_FILE} …")
    source = _raw_connection(wrapper)
    copy = sqlite3.connect(target / SQLITE_FILE)
    try:
        source.backup(copy, pages=4096)
        copy.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file, readable read-only
        cursor = copy.cursor()
        counts = _row_counts(cursor, "sqlite")
        heads = _migration_heads(cursor)
        audit = _audit_head(cursor)
    finally:
        copy.close()
        source.close()
    return {"vendor": "sqlite", "server_version": sqlite3.sqlite_version, "tool": "sqlite3 backup API",
            "file": SQLITE_FILE, "tables": counts, "migrations": heads, "audit": audit}


def _backup_storage(alias: str, target: Path, echo: Echo) -> dict[str, Any]:
    storage = storages[alias]
    names = list(_walk(storage))
    progress = _Progress(echo, f"存储 {alias}", len(names))
    objects: dict[str, dict[str, Any]] = {}
    total = 0
    for done, name in enumerate(names, start=1):
        destination = target / FILES_DIR / alias / _safe_name(name)
        destination.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        with storage.open(name, "rb") as source, destination.open("wb") as out:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
        objects[name] = {"sha256": digest.hexdigest(), "size": size}
        total += size
        progress.step(done, total)
    echo(f"存储 {alias}：{len(objects):,} 个对象，{_human(total)}")
    return {"backend": settings.STORAGES[alias]["BACKEND"], "objects": objects}


def _referenced_names(alias: str) -> Iterator[str]:
    """The names of stored objects in ``alias`` that the database refers to (each registered column, non-empty)."""
    for reference in _REFERENCES:
        if reference.alias != alias:
            continue
        model = apps.get_model(reference.model)
        for values in model.objects.order_by().values_list(*reference.fields).iterator(chunk_size=10_000):
            yield from (value for value in values if value)


def _missing_references(referenced: Iterable[str], names: Container[str]) -> dict[str, Any]:
    """How many references there are, and those not among ``names`` (the first few by name)."""
    checked, missing = 0, []
    for name in referenced:
        checked += 1
        if name not in names:
            missing.append(name)
    return {"checked": checked, "missing_count": len(missing), "missing": sorted(missing)[:MISSING_LISTED]}


def _default_output() -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(settings.DATA_DIR) / "backups" / f"tongban-{stamp}"


def backup_create(*, output: Path | None = None, echo: Echo = _silent,
                  using: str = DEFAULT_DB_ALIAS) -> BackupResult:
    """Back up the database and the stored objects into ``output`` (default
    ``TONGBAN_DATA_DIR/backups/tongban-<UTC time>``), which must not exist yet."""
    started = time.monotonic()
    path = Path(output or _default_output()).absolute()
    if path.exists():
        raise BackupError(_("备份目录已存在：%(path)s。请换一个目录。") % {"path": path})
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.parent / f".{path.name}.partial-{secrets.token_hex(4)}"
    partial.mkdir(mode=0o700)
    echo(f"备份到 {path}（写入 {partial.name}，完成后改名）")
    try:
        wrapper = connections[using]
        if wrapper.vendor == "postgresql":
            database = _backup_postgresql(wrapper, partial, echo)
        elif wrapper.vendor == "sqlite":
            database = _backup_sqlite(wrapper, partial, echo)
        else:
            raise BackupError(_("不支持备份 %(vendor)s 数据库。") % {"vendor": wrapper.vendor})
        dump = partial / database["file"]
        database["sha256"] = _sha256_file(dump)
        database["size"] = dump.stat().st_size
        _fsync(dump)
        echo(f"数据库：{len(database['tables'])} 张表，{sum(database['tables'].values()):,} 行，"
             f"审计链头 seq {database['audit']['last_seq']}")
        # The database's references are read after the dump (so they include every row it holds) and before the
        # storages are walked (an object is stored before the row naming it is written).
        referenced = {alias: list(_referenced_names(alias)) for alias in _storage_aliases()}
        stored = {alias: _backup_storage(alias, partial, echo) for alias in _storage_aliases()}
        references = {alias: _missing_references(referenced[alias], stored[alias]["objects"]) for alias in stored}
        for alias, found in references.items():
            if found["missing_count"]:
                echo(f"警告：数据库引用的 {found['missing_count']:,} 个 {alias} 存储对象不存在（例如 "
                     f"{found['missing'][0]}），备份如实记录；请核查存储。")
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "database": {key: database[key] for key in ("vendor", "server_version", "tool", "file", "sha256",
                                                          "size")},
            "migrations": database["migrations"],
            "tables": database["tables"],
            "audit": {**database["audit"], "records": database["tables"].get("core_auditevent", 0)},
            "storages": stored,
            "references": references,
        }
        manifest_path = partial / MANIFEST
        manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                 encoding="utf-8")
        _fsync(manifest_path)
        (partial / SIGNATURE).write_text(manifest_sign(manifest_path.read_bytes()) + "\n", encoding="ascii")
        _fsync(partial / SIGNATURE)
        _owner_only(partial)
        os.rename(partial, path)
        _fsync(path.parent)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    seconds = time.monotonic() - started
    size = _dir_size(path)
    files = sum(len(s["objects"]) for s in manifest["storages"].values())
    audit_record(action="core.backup.create", actor=SYSTEM, target=Target(type="backup", id=path.name),
                 detail={"path": str(path), "vendor": database["vendor"], "size": size, "files": files,
                         "rows": sum(database["tables"].values()), "audit_seq": database["audit"]["last_seq"],
                         "dump_sha256": database["sha256"], "seconds": round(seconds, 1)})
    echo(f"备份完成：{path}，{_human(size)}，{files:,} 个存储对象，用时 {seconds:.1f} 秒")
    return BackupResult(path=path, manifest=manifest, seconds=seconds, size_bytes=size)


# --- restore -------------------------------------------------------------------------------------------------


def manifest_sign(body: bytes) -> str:
    """The signature of a manifest's bytes: only someone with the site's audit key (or secret key) can make it, so
    a dump, a stored object or a row count changed together with the manifest's SHA-256s is still refused."""
    return audit_keyed_digest(body, purpose=SIGNATURE_PURPOSE)


def _read_manifest(source: Path) -> dict[str, Any]:
    path = source / MANIFEST
    if not path.is_file():
        raise BackupError(_("%(dir)s 不是完整的备份：缺少 %(file)s。") % {"dir": source, "file": MANIFEST})
    signature = source / SIGNATURE
    if not signature.is_file():
        raise BackupError(_("%(dir)s 不是完整的备份：缺少清单签名 %(file)s。") % {"dir": source, "file": SIGNATURE})
    body = path.read_bytes()
    if not hmac.compare_digest(signature.read_text(encoding="ascii", errors="replace").strip(), manifest_sign(body)):
        raise BackupError(_("备份清单的签名不符：清单被改动过，或本机的 TONGBAN_AUDIT_KEY（未设置时为 TONGBAN_SECRET_KEY）"
                            "与备份时不同。不能恢复。"))
    try:
        manifest: dict[str, Any] = json.loads(body.decode("utf-8"))
    except ValueError as exc:
        raise BackupError(_("备份清单无法读取：%(err)s") % {"err": exc}) from None
    if manifest.get("format") != FORMAT:
        raise BackupError(_("不认识的备份格式：%(format)s。") % {"format": manifest.get("format")})
    return manifest


def _check_backup(source: Path, manifest: dict[str, Any], echo: Echo) -> None:
    """Every SHA-256 of the backup against the manifest, before anything is written to the target."""
    database = manifest["database"]
    dump = source / database["file"]
    if not dump.is_file():
        raise BackupError(_("备份缺少数据库文件 %(file)s。") % {"file": database["file"]})
    if _sha256_file(dump) != database["sha256"]:
        raise BackupError(_("数据库备份文件 %(file)s 的 SHA-256 与清单不符：备份已损坏或被篡改，不能恢复。")
                          % {"file": database["file"]})
    checked = 0
    for alias, stored in manifest["storages"].items():
        for name, meta in stored["objects"].items():
            path = source / FILES_DIR / alias / _safe_name(name)
            if not path.is_file():
                raise BackupError(_("备份缺少存储对象 %(alias)s/%(name)s。") % {"alias": alias, "name": name})
            if _sha256_file(path) != meta["sha256"]:
                raise BackupError(_("存储对象 %(alias)s/%(name)s 的 SHA-256 与清单不符：备份已损坏或被篡改，不能恢复。")
                                  % {"alias": alias, "name": name})
            checked += 1
    echo(f"备份完整：数据库文件和 {checked:,} 个存储对象的 SHA-256 与清单一致")


@contextmanager
def _target_database(database_url: str | None) -> Iterator[BaseDatabaseWrapper]:
    """The target as Django's default connection: the configured one, or ``database_url`` for the duration (so
    that the audit API and its verification, which use the default connection, work on the restored database)."""
    if not database_url:
        yield connections[DEFAULT_DB_ALIAS]
        return
    configured = connections.configure_settings({DEFAULT_DB_ALIAS: dj_database_url.parse(database_url)})
    previous_settings = connections.settings[DEFAULT_DB_ALIAS]
    previous = connections[DEFAULT_DB_ALIAS]
    connections.settings[DEFAULT_DB_ALIAS] = configured[DEFAULT_DB_ALIAS]
    del connections[DEFAULT_DB_ALIAS]
    try:
        yield connections[DEFAULT_DB_ALIAS]
    finally:
        connections[DEFAULT_DB_ALIAS].close()
        connections.settings[DEFAULT_DB_ALIAS] = previous_settings
        connections[DEFAULT_DB_ALIAS] = previous


def _restore_postgresql(wrapper: BaseDatabaseWrapper, dump: Path, *, force: bool, jobs: int, echo: Echo) -> None:
    wrapper.ensure_connection()
    server_major = int(wrapper.pg_version) // 10000  # type: ignore[attr-defined]
    tool, tool_major = pg_tool("pg_restore", server_major=server_major)
    args, environ = _pg_args_env(wrapper.settings_dict)
    wrapper.close()
    command = [tool, "--no-owner", "--no-acl", "--exit-on-error", f"--jobs={max(1, jobs)}", *args]
    if force:
        command += ["--clean", "--if-exists"]
    echo(f"  pg_restore（{tool_major}，{max(1, jobs)} 个并行任务）← {dump.name} …")
    started = time.monotonic()
    _run_tool([*command, str(dump)], environ, "pg_restore ", echo=echo)
    echo(f"  pg_restore 完成：{time.monotonic() - started:.1f} 秒；ANALYZE …")
    started = time.monotonic()
    with wrapper.cursor() as cursor:
        cursor.execute("ANALYZE")
    echo(f"  ANALYZE 完成：{time.monotonic() - started:.1f} 秒")


def _restore_sqlite(wrapper: BaseDatabaseWrapper, copy: Path, echo: Echo) -> None:
    name = str(wrapper.settings_dict["NAME"])
    wrapper.close()
    echo(f"  SQLite 在线备份 API ← {copy.name} → {name}")
    source = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    target = sqlite3.connect(name)
    try:
        source.backup(target, pages=4096)
    finally:
        target.close()
        source.close()


def _restore_storage(alias: str, stored: dict[str, Any], source: Path, *, force: bool, echo: Echo) -> None:
    storage = storages[alias]
    objects = stored["objects"]
    progress = _Progress(echo, f"存储 {alias}", len(objects))
    total = 0
    for done, (name, meta) in enumerate(sorted(objects.items()), start=1):
        if storage.exists(name):
            if _storage_sha256(storage, name) == meta["sha256"]:
                total += meta["size"]
                progress.step(done, total)
                continue
            if not force:
                raise BackupError(_("存储 %(alias)s 中已有内容不同的对象 %(name)s：不覆盖（确认要覆盖请加 --force）。")
                                  % {"alias": alias, "name": name})
            storage.delete(name)
        with (source / FILES_DIR / alias / name).open("rb") as handle:
            saved = storage.save(name, File(handle, name=name))
        if saved != name:
            raise BackupError(_("存储 %(alias)s 把 %(name)s 改名为 %(saved)s：密文与名称绑定，不能改名。")
                              % {"alias": alias, "name": name, "saved": saved})
        total += meta["size"]
        progress.step(done, total)


def _storage_sha256(storage: Storage, name: str) -> str:
    digest = hashlib.sha256()
    with storage.open(name, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _verify(wrapper: BaseDatabaseWrapper, manifest: dict[str, Any], report: RestoreReport, echo: Echo) -> None:
    """The restored database and storages against the manifest; problems go into ``report``."""
    with wrapper.cursor() as cursor:
        counts = _row_counts(cursor, wrapper.vendor)
        heads = _migration_heads(cursor)
    wrong = []
    for table, expected in sorted(manifest["tables"].items()):
        actual = counts.get(table)
        if actual != expected:
            wrong.append(table)
            found = _("表不存在") if actual is None else f"{actual:,}"
            report.problems.append(_("行数不符：%(table)s 清单 %(expected)s 行，恢复后 %(found)s")
                                   % {"table": table, "expected": f"{expected:,}", "found": found})
    rows = sum(manifest["tables"].values())
    if not wrong:
        echo(f"行数：{len(manifest['tables'])} 张表、{rows:,} 行，与清单一致")
    if heads != manifest["migrations"]:
        report.problems.append(_("迁移状态与清单不符：%(apps)s")
                               % {"apps": ", ".join(sorted(a for a in set(heads) | set(manifest["migrations"])
                                                          if heads.get(a) != manifest["migrations"].get(a)))})
    if manifest["migrations"] != _code_heads():
        report.notes.append(_("备份的迁移状态与当前代码不同：核对无误后请运行 manage.py migrate。"))

    problems = list(audit_verify())
    for problem in problems[:20]:
        report.problems.append(_("审计链：记录 %(seq)s：%(problem)s") % {"seq": problem.seq, "problem": problem.problem})
    if len(problems) > 20:
        report.problems.append(_("审计链：另有 %(n)d 处问题") % {"n": len(problems) - 20})
    head = AuditChainHead.objects.filter(pk=1).values("last_seq", "last_hash").first() or {"last_seq": 0,
                                                                                          "last_hash": ""}
    expected_head = {key: manifest["audit"][key] for key in ("last_seq", "last_hash")}
    if head != expected_head:
        report.problems.append(_("审计链头与清单不符：恢复后 seq %(seq)s，清单 seq %(expected)s")
                               % {"seq": head["last_seq"], "expected": expected_head["last_seq"]})
    if not problems and head == expected_head:
        echo(f"审计链：{manifest['audit']['records']:,} 条记录逐条验证完整，链头 seq {head['last_seq']} 与清单一致")

    for alias, stored in manifest["storages"].items():
        if alias not in settings.STORAGES:
            continue  # reported by the restore
        storage = storages[alias]
        bad = 0
        for name, meta in sorted(stored["objects"].items()):
            try:
                digest = _storage_sha256(storage, name)
            except Exception:  # missing or unreadable (a file system or an object store error)
                digest = ""
            if digest != meta["sha256"]:
                bad += 1
                if bad <= 20:
                    report.problems.append(_("存储对象 %(alias)s/%(name)s：%(what)s")
                                           % {"alias": alias, "name": name,
                                              "what": _("缺失") if not digest else _("SHA-256 与清单不符")})
        if bad > 20:
            report.problems.append(_("存储 %(alias)s：另有 %(n)d 个对象不符") % {"alias": alias, "n": bad - 20})
        if not bad:
            echo(f"存储 {alias}：{len(stored['objects']):,} 个对象读回，SHA-256 与清单一致")
        _verify_references(alias, stored, manifest.get("references", {}).get(alias), report, echo)


def _verify_references(alias: str, stored: dict[str, Any], at_backup: dict[str, Any] | None, report: RestoreReport,
                       echo: Echo) -> None:
    """Every object the restored database refers to is among the backed-up ones. Those already missing when the
    backup was made are a note (the restore reproduced the system as it was); any other is a problem."""
    found = _missing_references(_referenced_names(alias), stored["objects"])
    known = (at_backup or {}).get("missing_count", 0)
    if found["missing_count"] > known:
        listed = set((at_backup or {}).get("missing", ()))
        example = next((name for name in found["missing"] if name not in listed), found["missing"][0])
        report.problems.append(_("数据库引用的 %(n)s 个 %(alias)s 存储对象不在备份中（例如 %(example)s）")
                               % {"n": f"{found['missing_count'] - known:,}", "alias": alias, "example": example})
    elif found["missing_count"]:
        report.notes.append(_("数据库引用的 %(n)s 个 %(alias)s 存储对象在备份时就已缺失（见备份清单 references）。")
                            % {"n": f"{found['missing_count']:,}", "alias": alias})
    else:
        echo(f"存储 {alias}：数据库引用的 {found['checked']:,} 个对象都在")


def backup_restore(*, source: Path, database_url: str | None = None, force: bool = False, jobs: int = 1,
                   echo: Echo = _silent) -> RestoreReport:
    """Restore the backup in ``source`` into the configured database (or ``database_url``) and storages, then
    verify it against the manifest. Raises :class:`BackupError` when nothing was restored (damaged backup, a
    target with tables); verification problems are in the report."""
    started = time.monotonic()
    source = Path(source).absolute()
    manifest = _read_manifest(source)
    report = RestoreReport(manifest=manifest)
    echo(f"从 {source} 恢复（备份时间 {manifest['created_at']}，{manifest['database']['vendor']}）")
    _check_backup(source, manifest, echo)
    vendor = manifest["database"]["vendor"]
    with _target_database(database_url) as wrapper:
        if wrapper.vendor != vendor:
            raise BackupError(_("备份来自 %(backup)s 数据库，目标是 %(target)s：不能跨数据库恢复。")
                              % {"backup": vendor, "target": wrapper.vendor})
        try:
            existing = wrapper.introspection.table_names()
        except Exception as exc:  # any driver error: the target cannot be reached
            raise BackupError(_("无法连接目标数据库：%(err)s") % {"err": exc}) from None
        if existing and not force:
            raise BackupError(
                _("目标数据库已有 %(n)d 张表（例如 %(example)s）：为防止覆盖现有数据，拒绝恢复。请恢复到一个新建的空数据库；"
                  "确认要覆盖时加 --force。") % {"n": len(existing), "example": sorted(existing)[0]})
        echo(f"恢复数据库（{vendor}）…")
        started_db = time.monotonic()
        if vendor == "postgresql":
            _restore_postgresql(wrapper, source / manifest["database"]["file"], force=force, jobs=jobs, echo=echo)
        else:
            _restore_sqlite(wrapper, source / manifest["database"]["file"], echo)
        echo(f"数据库恢复完成：{time.monotonic() - started_db:.1f} 秒")
        for alias, stored in manifest["storages"].items():
            if alias not in settings.STORAGES:
                report.problems.append(_("没有配置存储 %(alias)s，其对象未恢复。") % {"alias": alias})
                continue
            echo(f"恢复存储 {alias}（{len(stored['objects']):,} 个对象）…")
            _restore_storage(alias, stored, source, force=force, echo=echo)
        echo("核对恢复结果 …")
        _verify(wrapper, manifest, report, echo)
        report.seconds = time.monotonic() - started
        audit_record(action="core.backup.restore", actor=SYSTEM, target=Target(type="backup", id=source.name),
                     outcome=AuditOutcome.SUCCESS if report.ok else AuditOutcome.FAILURE,
                     detail={"source": str(source), "created_at": manifest["created_at"], "forced": force,
                             "problems": report.problems[:20], "seconds": round(report.seconds, 1)})
    return report
