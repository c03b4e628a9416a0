"""Callbacks of department systems (/api/v1/cases/callbacks/…): OAuth2 client credentials from our OIDC provider,
the client linked to a department, only that department's externally handled cases, idempotent per event id,
structured errors, and every transition recorded and audited by the case engine."""

from __future__ import annotations

import base64
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client as HttpClient

from tests.cases.conftest import apply, configure, make_world
from tongban.cases.models import Case, CaseEvent
from tongban.core.models import AuditEvent
from tongban.exchange.models import CallbackReceipt
from tongban.oidc import services as oidc_services

pytestmark = pytest.mark.django_db
API = "/api/v1/cases/callbacks"


@pytest.fixture(autouse=True)
def files_dir(settings: Any, tmp_path: Any) -> Any:
    location = tmp_path / "files"
    settings.STORAGES = {**settings.STORAGES, "files": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(location)}}}
    settings.FILE_SCANNER = "simulator"
    return location


@pytest.fixture
def world(regions: dict[str, Any]) -> SimpleNamespace:
    w = make_world(regions)
    configure(w, external=True, steps=[])
    return w


def token_for(*, name: str, department_id: int | None, kind: str = "service") -> str:
    """Register a client and get an access token with the client-credentials grant at /oidc/token/."""
    registered = oidc_services.client_register(
        actor_user=None, may_register=True, name=name, department_name="", kind=kind, redirect_uris="",
        post_logout_redirect_uris="", allowed_scopes=["openid"], sensitive_scopes_approved=False,
        department_id=department_id)
    basic = base64.b64encode(f"{registered.client_id}:{registered.client_secret}".encode()).decode()
    response = HttpClient().post("/oidc/token/", {"grant_type": "client_credentials"},
                                 HTTP_AUTHORIZATION=f"Basic {basic}")
    assert response.status_code == 200, response.content
    return str(response.json()["access_token"])


@pytest.fixture
def token(world: SimpleNamespace) -> str:
    return token_for(name="石林县公安局户政业务系统", department_id=world.gongan.pk)


def call(token: str | None, number: str, action: str, body: dict[str, Any]) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return HttpClient().post(f"{API}/{number}/{action}", body, content_type="application/json", **headers)


def submitted(world: SimpleNamespace) -> Case:
    return Case.objects.get(pk=apply(world).case_id)


def test_a_department_system_carries_a_case_from_acceptance_to_delivery(world: SimpleNamespace, token: str) -> None:
    case = submitted(world)
    assert case.handled_externally
    accepted = call(token, case.case_number, "accept", {"event_id": "sl-1", "opinion": "材料齐全"})
    assert accepted.status_code == 200, accepted.content
    body = accepted.json()
    assert body == {"event_id": "sl-1", "replayed": False, "case_number": case.case_number, "status": "accepted",
                    "status_label": "已受理", "clock_due": body["clock_due"]} and body["clock_due"]
    assert call(token, case.case_number, "steps", {"event_id": "sl-2", "step_name": "审核", "outcome": "pass",
                                                   "opinion": "同意"}).json()["status"] == "in_review"
    decided = call(token, case.case_number, "decision", {
        "event_id": "sl-3", "outcome": "approve", "opinion": "符合条件", "delivery_method": "electronic",
        "documents": [{"name": "准予行政许可决定书", "number": "石公许〔2026〕12号"}]})
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    assert call(token, case.case_number, "completion", {"event_id": "sl-4"}).json()["status"] == "completed"
    delivered = call(token, case.case_number, "delivery", {"event_id": "sl-5", "tracking_number": ""})
    assert delivered.json()["status"] == "delivered"
    events = list(CaseEvent.objects.filter(case=case).values_list("transition", "actor_kind", "actor_label"))
    assert [e[0] for e in events] == ["submit", "accept", "step_complete", "decide", "complete", "deliver"]
    assert {e[1] for e in events[1:]} == {"department_system"} and events[1][2] == "石林县公安局户政业务系统"
    audited = AuditEvent.objects.filter(action="cases.case.accept", outcome="success").get()
    assert audited.actor_type == "department_system"
    case.refresh_from_db()
    assert case.decision_documents[0]["number"] == "石公许〔2026〕12号" and case.delivery_method == "electronic"


def test_the_same_event_is_carried_out_once(world: SimpleNamespace, token: str) -> None:
    case = submitted(world)
    first = call(token, case.case_number, "accept", {"event_id": "evt-42", "opinion": "受理"})
    again = call(token, case.case_number, "accept", {"event_id": "evt-42", "opinion": "受理"})
    assert first.status_code == again.status_code == 200
    assert again.json() == {**first.json(), "replayed": True} and again["Idempotent-Replayed"] == "true"
    assert CaseEvent.objects.filter(case=case, transition="accept").count() == 1
    assert AuditEvent.objects.filter(action="cases.case.accept").count() == 1
    reused = call(token, case.case_number, "accept", {"event_id": "evt-42", "opinion": "另一个请求"})
    assert reused.status_code == 409 and reused.json()["error"]["issues"][0]["code"] == "event_id_reused"
    other_action = call(token, case.case_number, "completion", {"event_id": "evt-42", "opinion": "受理"})
    assert other_action.status_code == 409
    assert CallbackReceipt.objects.count() == 1


def test_a_refused_event_changes_nothing_and_may_be_sent_again(world: SimpleNamespace, token: str) -> None:
    case = submitted(world)
    early = call(token, case.case_number, "decision", {
        "event_id": "d-1", "outcome": "approve", "documents": [{"name": "决定书"}], "delivery_method": "window"})
    assert early.status_code == 409
    error = early.json()["error"]
    assert error["code"] == "conflict" and "办件当前状态为" in error["message"]
    missing = call(token, case.case_number, "refuse", {"event_id": "r-1", "reasons": [], "legal_basis": ""})
    assert missing.status_code == 422 and missing.json()["error"]["code"] == "validation_failed"
    assert {i["field"] for i in missing.json()["error"]["issues"]} >= {"reasons", "legal_basis"}
    case.refresh_from_db()
    assert case.status == "submitted" and not CallbackReceipt.objects.exists()
    refused = call(token, case.case_number, "refuse", {
        "event_id": "d-1", "reasons": ["申请事项依法不属于本行政机关职权范围"],
        "legal_basis": "《中华人民共和国行政许可法》第三十二条"})
    assert refused.status_code == 200 and refused.json()["status"] == "refused", "the refused id is free again"


def test_only_cases_of_the_clients_department(world: SimpleNamespace) -> None:
    case = submitted(world)
    kunming = token_for(name="昆明市市场监管业务系统", department_id=world.scjg.pk)
    answer = call(kunming, case.case_number, "accept", {"event_id": "km-1"})
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
    assert call(kunming, "11530126000000000000000000000000000000000001", "accept",
                {"event_id": "km-2"}).json()["error"]["message"] == answer.json()["error"]["message"]
    assert AuditEvent.objects.filter(action="cases.case.accept", outcome="denied",
                                     object_id=str(case.pk)).exists()
    case.refresh_from_db()
    assert case.status == "submitted" and not CallbackReceipt.objects.exists()


def test_a_case_the_platform_handles_is_not_the_systems(world: SimpleNamespace, token: str) -> None:
    configure(world, external=False)
    case = submitted(world)
    answer = call(token, case.case_number, "accept", {"event_id": "p-1"})
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "not_permitted"
    case.refresh_from_db()
    assert case.status == "submitted"


def test_client_credentials_are_required(world: SimpleNamespace) -> None:
    case = submitted(world)
    no_token = call(None, case.case_number, "accept", {"event_id": "x-1"})
    assert no_token.status_code == 401 and no_token.json()["error"]["code"] == "not_authenticated"
    bad = call("not-a-token", case.case_number, "accept", {"event_id": "x-1"})
    assert bad.status_code == 401
    unlinked = token_for(name="未关联部门的系统", department_id=None)
    refused = call(unlinked, case.case_number, "accept", {"event_id": "x-1"})
    assert refused.status_code == 403
    assert refused.json()["error"]["issues"][0]["code"] == "client_without_department"
    bad_event = call(token_for(name="户政系统", department_id=world.gongan.pk), case.case_number, "accept",
                     {"event_id": "含中文"})
    assert bad_event.status_code == 422
    case.refresh_from_db()
    assert case.status == "submitted"


def test_a_web_client_cannot_be_linked_to_a_department(world: SimpleNamespace) -> None:
    from tongban.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        oidc_services.client_register(
            actor_user=None, may_register=True, name="网页系统", department_name="", kind="web",
            redirect_uris="https://rp.example.cn/cb", post_logout_redirect_uris="", allowed_scopes=["openid"],
            sensitive_scopes_approved=False, department_id=world.gongan.pk)


def test_the_callbacks_are_in_the_openapi_document(client: Any) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    paths = {p for p in doc["paths"] if p.startswith(API)}
    assert {f"{API}/{{case_number}}/{a}" for a in ("accept", "refuse", "supplement", "steps", "decision",
                                                   "completion", "delivery")} == paths
    accept = doc["paths"][f"{API}/{{case_number}}/accept"]["post"]
    assert {"200", "401", "403", "404", "409", "422"} <= set(accept["responses"])
    schemas = doc["components"]["schemas"]
    assert schemas["EventIn"]["properties"]["event_id"]["examples"] == ["sl-gongan-20260302-000123"]
