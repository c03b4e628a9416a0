import time

import pytest

from tongban.identity import captcha


@pytest.fixture
def fixed_text(monkeypatch):
    monkeypatch.setattr(captcha, "_random_text", lambda: "KKKK")
    return "KKKK"


def test_png_and_case_insensitive_single_use(fixed_text):
    session: dict = {}
    png = captcha.captcha_new(session)
    assert png.startswith(b"\x89PNG") and len(png) > 500
    assert "KKKK" not in str(session), "only a keyed hash is kept"
    assert captcha.captcha_check(session, " kkkk ")
    assert not captcha.captcha_check(session, "KKKK"), "single use"


def test_attempts_and_expiry(fixed_text):
    session: dict = {}
    captcha.captcha_new(session)
    for _ in range(captcha.MAX_ATTEMPTS):
        assert not captcha.captcha_check(session, "WRONG")
    assert not captcha.captcha_check(session, "KKKK"), "too many attempts"
    captcha.captcha_new(session)
    session[captcha.SESSION_KEY]["exp"] = time.time() - 1
    assert not captcha.captcha_check(session, "KKKK")


def test_refresh_replaces_the_challenge(fixed_text, monkeypatch):
    session: dict = {}
    captcha.captcha_new(session)
    monkeypatch.setattr(captcha, "_random_text", lambda: "MMMM")
    captcha.captcha_new(session)
    assert not captcha.captcha_check(session, "KKKK")


def test_text_is_revealed_only_when_configured(fixed_text, settings):
    session: dict = {}
    settings.CAPTCHA_REVEAL = False
    captcha.captcha_new(session)
    assert captcha.captcha_revealed(session) is None
    assert "KKKK" not in str(session)
    settings.CAPTCHA_REVEAL = True
    captcha.captcha_new(session)
    assert captcha.captcha_revealed(session) == "KKKK"
    assert captcha.captcha_check(session, "kkkk")
    assert captcha.captcha_revealed(session) is None, "gone with the challenge"
