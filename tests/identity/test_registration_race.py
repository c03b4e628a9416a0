"""Two registrations racing (same phone, or same custom username): exactly one account, the other a clear message."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from tests.identity.test_services import PASSWORD, last_code
from tongban.core.errors import DomainError
from tongban.identity import services
from tongban.identity.models import Person, User

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif("connection.vendor == 'sqlite'", reason="two writing threads need PostgreSQL")]


def race(*attempts: Callable[[], object]) -> list[tuple[str, str]]:
    """Run the attempts at once in threads: (code, message) per attempt, ("ok", "") for a success."""
    barrier = threading.Barrier(len(attempts))
    outcomes: list[tuple[str, str]] = []

    def run(attempt: Callable[[], object]) -> None:
        try:
            barrier.wait()
            attempt()
            outcomes.append(("ok", ""))
        except DomainError as error:
            outcomes.append((error.code, error.message))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(attempt,)) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


def test_two_registrations_of_one_phone_make_one_account():
    phone = "13912340001"
    services.sms_code_send(phone=phone, purpose="register", ip=None)
    code = last_code(phone)
    outcomes = race(*[lambda: services.person_register(phone=phone, sms_code=code, password=PASSWORD)] * 2)
    assert [o[0] for o in outcomes].count("ok") == 1
    loser_code, loser_message = next(o for o in outcomes if o[0] != "ok")
    assert loser_code in {"code_used", "phone_registered", "already_registered"}
    assert loser_message.endswith("。") and any(word in loser_message for word in ("已使用", "已注册", "已被注册"))
    assert Person.objects.filter(phone_index=services.phone_index(phone)).count() == 1


def test_two_people_racing_for_one_username_make_one_account():
    phones = ["13912340002", "13912340003"]
    codes = {}
    for phone in phones:
        services.sms_code_send(phone=phone, purpose="register", ip=None)
        codes[phone] = last_code(phone)
    outcomes = race(*[
        (lambda p=phone: services.person_register(phone=p, sms_code=codes[p], password=PASSWORD,
                                                   username="Dali_Erhai"))
        for phone in phones])
    assert [o[0] for o in outcomes].count("ok") == 1
    loser_code, loser_message = next(o for o in outcomes if o[0] != "ok")
    assert loser_code in {"already_registered", "username_taken"}, outcomes
    assert "用户名" in loser_message
    assert User.objects.filter(username__iexact="dali_erhai").count() == 1
    assert Person.objects.count() == 1, "nothing half-saved for the loser"
