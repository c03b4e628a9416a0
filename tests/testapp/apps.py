from django.apps import AppConfig


class TestAppConfig(AppConfig):
    """Models that exist only for the test suite (installed by ``tongban.conf.test`` alone)."""

    name = "tests.testapp"
    label = "testapp"
    default_auto_field = "django.db.models.BigAutoField"
