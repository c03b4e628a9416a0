from django.test import RequestFactory

from tongban.core.http import client_ip, safe_next


def test_remote_addr_without_proxies(settings):
    settings.TRUSTED_PROXIES = 0
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(request) == "10.0.0.9", "a forwarded header is not trusted by default"


def test_behind_one_trusted_proxy(settings):
    settings.TRUSTED_PROXIES = 1
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    assert client_ip(request) == "203.0.113.7", "the address the trusted proxy saw, not what the client claims"


def test_garbage_is_ignored(settings):
    settings.TRUSTED_PROXIES = 1
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="<script>")
    assert client_ip(request) is None


def test_safe_next_stays_on_this_site():
    factory = RequestFactory()
    assert safe_next(factory.get("/", {"next": "/oidc/authorize/?client_id=x"})) == "/oidc/authorize/?client_id=x"
    assert safe_next(factory.post("/", {"next": "/account/"}), "/d/") == "/account/"
    for hostile in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)", ""):
        assert safe_next(factory.get("/", {"next": hostile}), "/d/") == "/d/"
