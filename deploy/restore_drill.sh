#!/usr/bin/env bash
# Restore drill (恢复演练): build a database with the demo data, load data and stored files, back it up with
# `make backup`, restore it with `make restore` into a fresh database and a fresh files directory, and fail unless
# the restore's verification (row counts, audit chain, every stored object's SHA-256) passes. Prints the timings:
# they are the RTO figures of docs/operations/backup.md.
#
#   deploy/restore_drill.sh postgres://postgres@127.0.0.1:5432/postgres [CASES]
#
# The URL is an admin connection of a throw-away PostgreSQL server: the drill (re)creates the databases drill_src
# and drill_dst there (names: DRILL_SRC, DRILL_DST) and drops them at the end unless DRILL_KEEP=1. CASES (default
# 2000, or DRILL_CASES) load cases come from `manage.py generate_load_data`. Files go to a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."

ADMIN_URL="${1:?usage: deploy/restore_drill.sh postgres://user@host:port/postgres [CASES]}"
CASES="${2:-${DRILL_CASES:-2000}}"
SRC_DB="${DRILL_SRC:-drill_src}"
DST_DB="${DRILL_DST:-drill_dst}"
PY=.venv/bin/python
[ -x "$PY" ] || { echo "restore drill: $PY not found (run make test or make run first)" >&2; exit 2; }

db_url() {  # the admin URL with another database name
    "$PY" -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$1" "$2"
}
db_admin() {  # db_admin create|drop NAME
    "$PY" - "$ADMIN_URL" "$1" "$2" <<'EOF'
import sys

import psycopg
from psycopg import sql

url, action, name = sys.argv[1:]
with psycopg.connect(url, autocommit=True) as conn:
    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    if action == "create":
        conn.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(sql.Identifier(name)))
EOF
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

SRC_URL="$(db_url "$ADMIN_URL" "$SRC_DB")"
DST_URL="$(db_url "$ADMIN_URL" "$DST_DB")"
WORK="$(mktemp -d /tmp/tongban-drill.XXXXXX)"
cleanup() {
    status=$?
    if [ "${DRILL_KEEP:-0}" = 1 ]; then
        echo "restore drill: kept $WORK, $SRC_DB and $DST_DB"
    else
        db_admin drop "$SRC_DB" || true
        db_admin drop "$DST_DB" || true
        rm -rf "$WORK"
    fi
    [ "$status" = 0 ] || echo "restore drill FAILED (exit $status)" >&2
}
trap cleanup EXIT

# The environment of the Makefile's RUN_ENV (make backup and make restore use it too): the same secret key, hence
# the same derived data and audit keys, on both sides.
make -s var/secret_key
export TONGBAN_DEMO=1 TONGBAN_ALLOW_DERIVED_KEYS=1 TONGBAN_SECRET_KEY="$(cat var/secret_key)"
unset TONGBAN_DEBUG TONGBAN_FILE_STORAGE TONGBAN_AUDIT_KEY TONGBAN_DATA_KEYS TONGBAN_BLIND_INDEX_KEY

echo "== restore drill: source database $SRC_DB"
export DATABASE_URL="$SRC_URL" TONGBAN_DATA_DIR="$WORK/src"
db_admin create "$SRC_DB"
t0=$(now)
"$PY" manage.py migrate --noinput -v0
"$PY" manage.py load_demo_data
users_flag=--applicants
if "$PY" manage.py generate_load_data --help | grep -q -- "--users"; then users_flag=--users; fi
"$PY" manage.py generate_load_data --cases "$CASES" "$users_flag" "$(( CASES / 5 > 50 ? CASES / 5 : 50 ))"
stored=$(find "$WORK/src/files" -type f 2>/dev/null | wc -l)
if [ "$stored" = 0 ]; then  # the demo stores sealed licence PDFs; should it stop doing so, store one here
    "$PY" manage.py shell -c '
from tongban.files.services import file_store_generated
file_store_generated(owner_user_id=0, data=b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", kind="pdf",
                     display_name="drill.pdf", purpose="drill")'
    stored=$(find "$WORK/src/files" -type f | wc -l)
fi
echo "source ready: $stored stored files, $(elapsed "$t0" "$(now)") s"

echo "== make backup"
t0=$(now)
make backup BACKUP="$WORK/backup" 2>&1 | tee "$WORK/backup.log"
t1=$(now)
backup_s=$(elapsed "$t0" "$t1")

echo "== make restore into a fresh database $DST_DB and an empty files directory"
export DATABASE_URL="$DST_URL" TONGBAN_DATA_DIR="$WORK/dst"
db_admin create "$DST_DB"
t0=$(now)
make restore BACKUP="$WORK/backup" 2>&1 | tee "$WORK/restore.log"  # non-zero on any mismatch (pipefail)
t1=$(now)
restore_s=$(elapsed "$t0" "$t1")
"$PY" manage.py migrate --check --noinput >/dev/null || { echo "restored database has unapplied migrations" >&2; exit 1; }
"$PY" manage.py audit_verify

echo "== restore drill passed"
"$PY" - "$WORK" "$backup_s" "$restore_s" <<'EOF'
import json
import re
import sys
from pathlib import Path

work, backup_s, restore_s = Path(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
backup = work / "backup"


def inner(log: str, marker: str) -> float:
    """The command's own time (without the process start), from its last line."""
    for line in reversed((work / log).read_text().splitlines()):
        if marker in line and (match := re.search(r"用时 ([0-9.]+) 秒", line)):
            return float(match.group(1))
    return float("nan")


manifest = json.loads((backup / "manifest.json").read_text())
rows = sum(manifest["tables"].values())
objects = sum(len(s["objects"]) for s in manifest["storages"].values())
object_bytes = sum(o["size"] for s in manifest["storages"].values() for o in s["objects"].values())
total = sum(p.stat().st_size for p in backup.rglob("*") if p.is_file())
mib = 1024 * 1024
print(f"rows: {rows:,} in {len(manifest['tables'])} tables (cases: {manifest['tables'].get('cases_case', 0):,}, "
      f"audit records: {manifest['audit']['records']:,})")
print(f"dump: {manifest['database']['size'] / mib:.1f} MiB; stored objects: {objects:,}, {object_bytes / mib:.1f} MiB; "
      f"backup directory: {total / mib:.1f} MiB")
backup_inner, restore_inner = inner("backup.log", "备份完成"), inner("restore.log", "恢复并核对完成")
print(f"backup:  {backup_inner:.1f} s in manage.py backup ({backup_s:.1f} s for make backup, process start included)")
print(f"restore: {restore_inner:.1f} s in manage.py restore: pg_restore, ANALYZE, files, full verification "
      f"({restore_s:.1f} s for make restore); {rows / max(restore_inner, 0.001):,.0f} rows/s, "
      f"{total / mib / max(restore_inner, 0.001):.1f} MiB/s of backup")
EOF
