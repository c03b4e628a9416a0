import pytest


@pytest.mark.django_db
def test_healthz_and_readyz(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["pending_migrations"] == 0


@pytest.mark.django_db
def test_readyz_reports_unapplied_migrations(client, monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("fake", False)])
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["pending_migrations"] == 1


@pytest.mark.django_db
def test_api_health_is_one_query(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_api_health_reports_an_unreachable_database(client, monkeypatch):
    from django.db import OperationalError
    from django.db.backends.utils import CursorWrapper

    def down(self, sql, params=None):
        raise OperationalError("connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", down)
    response = client.get("/api/v1/health")
    assert response.status_code == 503
    assert response.json()["code"] == "database_unavailable"
