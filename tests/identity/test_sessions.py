import time

import pytest
from django.test import Client

from tongban.identity.models import UserSession
from tongban.identity.sessions import SEEN, STARTED

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(django_user_model):
    return django_user_model.objects.create_user(username="sess_user1", password="Secret#2026pass", kind="person")


def _age(client: Client, key: str, seconds: float) -> None:
    session = client.session
    session[key] = time.time() - seconds
    session.save()


def test_sessions_are_listed_and_another_device_can_be_signed_out(person):
    phone, laptop = Client(HTTP_USER_AGENT="手机浏览器"), Client(HTTP_USER_AGENT="电脑浏览器")
    phone.force_login(person)
    laptop.force_login(person)
    phone.get("/account/sessions/")
    page = laptop.get("/account/sessions/").content.decode()
    assert "手机浏览器" in page and "电脑浏览器" in page and "本机" in page
    other = UserSession.objects.get(user_agent="手机浏览器")
    laptop.post("/account/sessions/", {"session": other.pk})
    assert phone.get("/account/sessions/").status_code == 302, "the revoked device is signed out on its next request"


def test_signing_out_leaves_the_device_list_for_citizens_and_staff(person):
    from tongban.core.models import AuditEvent

    browser = Client(HTTP_USER_AGENT="电脑浏览器")
    browser.force_login(person)
    browser.get("/account/sessions/")
    assert UserSession.objects.filter(user=person, ended_at__isnull=True).count() == 1
    browser.post("/account/logout/")
    assert UserSession.objects.filter(user=person, ended_at__isnull=True).count() == 0
    assert AuditEvent.objects.filter(action="identity.session.end", detail__reason="logout").count() == 1
    browser.force_login(person)
    browser.get("/account/sessions/")
    browser.post("/workbench/logout/")  # Django's LogoutView: the same signal
    assert UserSession.objects.filter(user=person, ended_at__isnull=True).count() == 0


def test_a_person_cannot_end_someone_elses_session(person, django_user_model):
    stranger = django_user_model.objects.create_user(username="sess_user2", password="Secret#2026pass")
    theirs = Client(HTTP_USER_AGENT="别人的手机")
    theirs.force_login(stranger)
    theirs.get("/healthz")
    target = UserSession.objects.get(user=stranger)
    mine = Client()
    mine.force_login(person)
    page = mine.post("/account/sessions/", {"session": target.pk}, follow=True).content.decode()
    assert "没有找到这个登录设备" in page
    assert UserSession.objects.get(pk=target.pk).ended_at is None


def test_idle_timeout(person, settings):
    client = Client()
    client.force_login(person)
    client.get("/account/sessions/")
    _age(client, SEEN, settings.SESSION_IDLE_SECONDS + 5)
    assert client.get("/account/sessions/").status_code == 302


def test_absolute_timeout_even_when_active(person, settings):
    client = Client()
    client.force_login(person)
    client.get("/account/sessions/")
    _age(client, STARTED, settings.SESSION_ABSOLUTE_SECONDS + 5)
    assert client.get("/account/sessions/").status_code == 302


def test_password_change_ends_other_sessions(person):
    other = Client()
    other.force_login(person)
    assert other.get("/account/sessions/").status_code == 200
    person.set_password("Another#2026pass")
    person.save()
    assert other.get("/account/sessions/").status_code == 302


def test_password_change_needs_a_fresh_reauthentication_and_signs_out_other_devices(person):
    other, me = Client(HTTP_USER_AGENT="旧手机"), Client(HTTP_USER_AGENT="本机")
    other.force_login(person)
    me.force_login(person)
    other.get("/account/sessions/")
    first = me.get("/account/password/")
    assert first.status_code == 302 and first["Location"].startswith("/account/reauth/?next=")
    wrong = me.post("/account/reauth/", {"action": "password", "password": "nope", "next": "/account/password/"})
    assert "密码不正确" in wrong.content.decode()
    right = me.post("/account/reauth/", {"action": "password", "password": "Secret#2026pass",
                                         "next": "/account/password/"})
    assert right["Location"] == "/account/password/"
    weak = me.post("/account/password/", {"new_password": "12345678", "new_password2": "12345678"})
    assert "密码" in weak.content.decode() and weak.status_code == 200
    done = me.post("/account/password/", {"new_password": "Fresh#2026pass", "new_password2": "Fresh#2026pass"})
    assert done.status_code == 302
    assert me.get("/account/sessions/").status_code == 200, "this device stays signed in"
    assert other.get("/account/sessions/").status_code == 302, "the other device is signed out"


def _writes(read) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        read()
    return [q["sql"] for q in captured.captured_queries if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))]


def test_a_page_view_writes_the_session_at_most_once_a_minute(person, settings):
    client = Client()
    client.force_login(person)
    client.get("/account/sessions/")  # the first view records the device
    assert _writes(lambda: client.get("/account/sessions/")) == [], "nothing written within the minute"
    _age(client, SEEN, 61)
    written = _writes(lambda: client.get("/account/sessions/"))
    assert any("identity_usersession" in sql for sql in written) and any("django_session" in sql for sql in written)
    assert UserSession.objects.get(user=person).last_seen_at is not None
    _age(client, SEEN, settings.SESSION_IDLE_SECONDS - 5)
    assert client.get("/account/sessions/").status_code == 200, "within the idle timeout"


def test_a_bearer_request_writes_the_session_at_most_once_a_minute(person):
    from tongban.identity.sessions import session_open, session_resume

    token = session_open(user=person, ip="127.0.0.1", user_agent="app").token
    assert _writes(lambda: session_resume(session_key=token, ip="127.0.0.1", user_agent="app")) == []
    bearer = session_resume(session_key=token, ip="127.0.0.1", user_agent="app")
    bearer.session[SEEN] = time.time() - 61
    bearer.session.save()
    written = _writes(lambda: session_resume(session_key=token, ip="127.0.0.1", user_agent="app"))
    assert any("django_session" in sql for sql in written) and any("identity_usersession" in sql for sql in written)
