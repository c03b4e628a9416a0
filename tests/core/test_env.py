from django.core.management import call_command

from tongban.core.env import REGISTRY, env, render_reference


def test_every_variable_has_help_and_is_in_the_reference():
    text = render_reference()
    for var in REGISTRY.values():
        assert var.help
        assert f"`{var.name}`" in text
    assert "DATABASE_URL" in REGISTRY


def test_casts(monkeypatch):
    monkeypatch.setenv("TONGBAN_TEST_LIST", "a, b,,c")
    assert env("TONGBAN_TEST_LIST", default=[], cast="list", help="test only") == ["a", "b", "c"]
    REGISTRY.pop("TONGBAN_TEST_LIST")


def test_committed_reference_is_current():
    call_command("config_reference", "--check")
