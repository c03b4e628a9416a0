import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tongban.core.audit import SYSTEM, Actor, Target, audit_record, audit_verify
from tongban.core.context import RequestContext, reset_request_context, set_request_context
from tongban.core.models import AuditChainHead, AuditEvent

pytestmark = pytest.mark.django_db


def _three() -> list[AuditEvent]:
    return [audit_record(action=f"test.action{i}", actor=SYSTEM, target=Target(type="t", id=str(i))) for i in range(3)]


def _raw(sql: str, params: list) -> None:
    """Edit the table behind the ORM's back, as an attacker with database access would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER core_auditevent_append_only")


def test_records_who_whom_what_where_and_outcome():
    token = set_request_context(RequestContext(ip="10.1.2.3", user_agent="pytest", request_id="r1"))
    try:
        event = audit_record(action="catalog.item.publish", actor=Actor(kind="staff", id="7", label="张三"),
                             on_behalf_of=Actor(kind="organization", id="91530000X", label="某公司"),
                             target=Target(type="catalog.item", id="070010001000", label="出生登记"),
                             outcome="denied", detail={"reason": "测试"})
    finally:
        reset_request_context(token)
    assert (event.seq, event.actor_label, event.on_behalf_of_label, event.ip, event.outcome) == (
        1, "张三", "某公司", "10.1.2.3", "denied")
    assert event.prev_hash == "0" * 64 and len(event.hash) == 64


def test_intact_chain_verifies(capsys):
    _three()
    assert list(audit_verify()) == []
    call_command("audit_verify")
    assert "3 records verified" in capsys.readouterr().out


def test_orm_refuses_update_and_delete():
    event = _three()[0]
    event.action = "changed"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


def test_edited_row_is_detected():
    events = _three()
    _raw("UPDATE core_auditevent SET actor_label = %s WHERE seq = %s", ["mallory", events[1].seq])
    problems = list(audit_verify())
    assert [p.seq for p in problems] == [2]
    assert "edited" in problems[0].problem
    with pytest.raises(CommandError):
        call_command("audit_verify")


def test_deleted_middle_row_is_detected():
    events = _three()
    _raw("DELETE FROM core_auditevent WHERE seq = %s", [events[1].seq])
    problems = list(audit_verify())
    assert any("missing" in p.problem for p in problems)
    assert any("broken" in p.problem for p in problems)


def test_deleted_tail_row_is_detected():
    events = _three()
    _raw("DELETE FROM core_auditevent WHERE seq = %s", [events[2].seq])
    assert any("tail deleted" in p.problem for p in audit_verify())


def test_recomputed_hash_without_key_is_detected():
    import hashlib

    events = _three()
    forged = hashlib.sha256(b"forged").hexdigest()
    _raw("UPDATE core_auditevent SET hash = %s WHERE seq = %s", [forged, events[2].seq])
    AuditChainHead.objects.filter(pk=1).update(last_hash=forged)
    assert [p.seq for p in audit_verify()] == [3]


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_database_trigger_refuses_update_on_postgresql():
    from django.db import DatabaseError, transaction

    _three()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET action = 'x'")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_concurrent_writers_keep_one_gap_free_chain():
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    def write(n: int) -> None:
        try:
            for i in range(10):
                audit_record(action="test.concurrent", actor=SYSTEM, target=Target(type="t", id=f"{n}-{i}"))
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(write, range(4)))
    assert sorted(AuditEvent.objects.values_list("seq", flat=True)) == list(range(1, 41))
    assert list(audit_verify()) == []
