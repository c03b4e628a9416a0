"""The big tables carry no index that another one makes redundant, and the operations of tongban.core.schema drop a
field's own index without touching its foreign key (on SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.explain import postgresql_only

pytestmark = pytest.mark.django_db

BIG = ("cases_case", "cases_caseevent", "cases_casestep", "cases_attachment", "licenses_license",
       "licenses_licenseevent", "licenses_licenseconsent", "licenses_licenseuse", "licenses_verification",
       "licenses_archivepackage", "licenses_casedocument")


def constraints(table: str) -> dict[str, dict]:
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, table)


@postgresql_only
def test_no_index_is_the_beginning_of_another() -> None:
    """An index whose columns begin another full index of the same table (same operator classes) only costs
    writes and memory: the other one serves its look-ups too."""
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT t.relname, i.relname, x.indisunique, x.indpred IS NOT NULL,
                   array(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY k(n, o)
                         JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.n ORDER BY k.o),
                   array(SELECT c.opcdefault FROM unnest(x.indclass) WITH ORDINALITY k(n, o)
                         JOIN pg_opclass c ON c.oid = k.n ORDER BY k.o)
            FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
            WHERE t.relname = ANY(%s)""", [list(BIG)])
        rows = cursor.fetchall()
    redundant = []
    for table, name, unique, partial, columns, default_ops in rows:
        if unique or partial or not all(default_ops):
            continue
        for other_table, other, _unique, other_partial, other_columns, other_ops in rows:
            if other_table == table and other != name and not other_partial and all(other_ops) \
                    and len(other_columns) > len(columns) and other_columns[:len(columns)] == columns:
                redundant.append(f"{table}.{name} ({', '.join(columns)}) begins {other}")
    assert redundant == []


def test_foreign_keys_keep_their_constraint_without_their_own_index() -> None:
    case = constraints("cases_case")
    for column in ("department_id", "applicant_user_id", "organization_id"):
        assert any(info["foreign_key"] and info["columns"] == [column] for info in case.values()), column
        assert not any(info["index"] and not info["unique"] and info["columns"] == [column]
                       for info in case.values()), column
    own = [name for name, info in case.items() if info["columns"] == ["applicant_name_index"]]
    assert own == ["case_applicant_name_idx"], "one plain index, no LIKE companion"
    licence = constraints("licenses_license")
    assert any(info["foreign_key"] and info["columns"] == ["holder_user_id"] for info in licence.values())
