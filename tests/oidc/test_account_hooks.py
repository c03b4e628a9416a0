"""Closing a personal account revokes its single sign-on; the consents appear in “导出我的数据”."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient

from tests.oidc.conftest import login_flow, register_client
from tongban.core.models import AuditEvent
from tongban.identity import services as identity_services
from tongban.identity.export import person_data_export
from tongban.oidc.models import Consent, SignOnSession

pytestmark = pytest.mark.django_db


def test_closing_the_account_revokes_tokens_consents_and_sign_on_sessions(person, browser):
    rp = register_client(scopes=("openid", "profile"))
    tokens = login_flow(browser, rp)
    userinfo = HttpClient().get("/oidc/userinfo/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert userinfo.status_code == 200
    exported = person_data_export(user=person)["sso_consents"]
    assert exported and exported[0]["client"] == "昆明市公积金系统" and exported[0]["revoked_at"] is None

    identity_services.person_account_close(user=person)

    assert HttpClient().get("/oidc/userinfo/",
                            HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}").status_code == 401
    refreshed = HttpClient().post("/oidc/token/", {
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], "client_id": rp.client_id,
        "client_secret": rp.client_secret})
    assert refreshed.status_code == 400
    assert not Consent.objects.filter(user=person, revoked_at__isnull=True).exists()
    assert not SignOnSession.objects.filter(user=person, ended_at__isnull=True).exists()
    event = AuditEvent.objects.get(action="oidc.account_closed")
    assert event.detail["consents"] == 1 and event.detail["signon_sessions"] == 1
