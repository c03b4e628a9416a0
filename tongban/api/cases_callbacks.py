"""Callbacks of department systems (部门系统回传) for cases of items handled in the department's own business system.

A department system registered by a platform administrator as a client of kind "service" linked to its
department (工作台 → 接入系统) gets an access token with the OAuth2 client-credentials grant at ``/oidc/token/`` and
reports, for a case of its department: 受理, 不予受理, 补齐补正, a finished step, the decision, 办结 and 送达. Each call
carries an ``event_id`` chosen by the system: an event that was carried out is carried out once — the same event
again gets the same answer (``replayed: true``); a refused event leaves nothing behind and may be corrected and sent
again. Refusals are structured errors (401 token, 403 not that department's system / not allowed, 404 no such case
of the department, 409 wrong state or event id reused, 422 invalid input). The flow with curl is in
``docs/api/case-callbacks.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from tongban.api import schemas as s
from tongban.api.auth import ClientCredentialsBearer
from tongban.cases import selectors as case_selectors
from tongban.cases import services as case_services
from tongban.cases.interface import DecisionDocument, DepartmentSystemActor, SupplementItem
from tongban.core.errors import NotFound, NotPermitted
from tongban.exchange.services import callback_handle_once
from tongban.oidc.selectors import ServiceClient

EVENT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,99}$"


class DepartmentSystemBearer(ClientCredentialsBearer):
    """Client credentials of a client linked to a department (a department's business system)."""

    who = "部门系统"

    def check(self, client: ServiceClient) -> None:
        if client.department_id is None:
            raise NotPermitted(_("该接入系统未关联部门，不能回传办件办理情况；请联系平台管理员关联部门。"),
                               code="client_without_department")


department_system = DepartmentSystemBearer()
router = Router(tags=["case-callbacks"], auth=department_system)
ERRORS: dict[int, Any] = {401: s.ErrorOut, 403: s.ErrorOut, 404: s.ErrorOut, 409: s.ErrorOut, 422: s.ErrorOut}


# ------------------------------------------------------------------ schemas


class EventIn(Schema):
    event_id: str = Field(..., pattern=EVENT_ID_PATTERN, description="部门系统为该事件生成的唯一标识（幂等键）：同一事件重发时使用同一标识",
                          examples=["sl-gongan-20260302-000123"])
    opinion: str = Field("", max_length=4000, description="意见或说明", examples=["材料齐全，予以受理"])


class RefuseIn(EventIn):
    reasons: list[str] = Field(..., min_length=1, max_length=20, description="不予受理的理由（至少一条）",
                               examples=[["申请事项依法不属于本行政机关职权范围"]])
    legal_basis: str = Field(..., min_length=1, max_length=500, description="法律依据",
                             examples=["《中华人民共和国行政许可法》第三十二条第一款第（二）项"])


class SupplementItemIn(Schema):
    material: str = Field("", max_length=200, description="需补正的材料名称", examples=["申请书"])
    field: str = Field("", max_length=100, description="需更正的申请表字段名")
    reason: str = Field(..., min_length=1, max_length=500, description="原因", examples=["未签名"])


class SupplementIn(EventIn):
    items: list[SupplementItemIn] = Field(..., min_length=1, max_length=50,
                                          description="一次性列出需补齐补正的全部内容（缺少的必备材料会自动列入）")


class StepIn(EventIn):
    step_name: str = Field(..., min_length=1, max_length=100, description="部门系统中的环节名称", examples=["审核"])
    outcome: Literal["pass", "return"] = Field("pass", description="pass 通过 / return 退回（须写明意见）")


class DocumentIn(Schema):
    name: str = Field(..., min_length=1, max_length=200, examples=["准予行政许可决定书"])
    number: str = Field("", max_length=100, description="文号", examples=["石公许〔2026〕12号"])


class DecisionIn(EventIn):
    outcome: Literal["approve", "deny"] = Field(..., description="approve 准予 / deny 不予（须写明理由）")
    documents: list[DocumentIn] = Field(..., min_length=1, max_length=10, description="决定文书")
    delivery_method: Literal["window", "courier", "electronic"] = Field(
        "electronic", description="送达方式：window 窗口领取 / courier 邮寄送达 / electronic 电子送达")
    fee_amount_fen: int | None = Field(None, ge=0, description="应缴金额（分）；不填则按办理流程配置")


class DeliveryIn(EventIn):
    tracking_number: str = Field("", max_length=60, description="邮寄送达时的快递单号", examples=["SF1234567890"])


class CallbackOut(Schema):
    event_id: str
    replayed: bool = Field(..., description="true：该事件此前已处理，本次返回当时的结果，未重复办理")
    case_number: str
    status: str = Field(..., description="办件当前状态代码", examples=["accepted"])
    status_label: str = Field(..., examples=["已受理"])
    clock_due: date | None = Field(None, description="正在计时的期限（受理或办结）")


# ------------------------------------------------------------------ the one flow of every callback


def _case_id(case_number: str) -> int:
    case_id = case_selectors.case_id_by_number(case_number=case_number)
    if case_id is None:
        raise NotFound(_("没有找到这个办件。"))
    return case_id


def _callback(request: HttpRequest, response: HttpResponse, *, case_number: str, action: str, payload: EventIn,
              run: Callable[[DepartmentSystemActor, int], None]) -> dict[str, Any]:
    client: ServiceClient = request.auth  # type: ignore[attr-defined]
    department_id = client.department_id
    assert department_id is not None  # DepartmentSystemBearer
    system = DepartmentSystemActor(client_id=client.client_id, department_id=department_id, name=client.name)
    case_id = _case_id(case_number)

    def handle() -> dict[str, Any]:
        run(system, case_id)  # the engine checks the department, the guard and the input (and audits refusals)
        brief = case_selectors.case_brief_for_department(case_id=case_id, department_id=department_id)
        if brief is None:  # pragma: no cover - the service has just acted on it
            raise NotFound(_("没有找到这个办件。"))
        return {"event_id": payload.event_id, "case_number": brief.case_number, "status": brief.status,
                "status_label": brief.status_label,
                "clock_due": brief.clock_due.isoformat() if brief.clock_due else None}

    answer = callback_handle_once(
        client_id=client.client_id, department_id=department_id, event_id=payload.event_id, action=action,
        subject=case_number, request=payload.dict(), handle=handle)
    if answer.replayed:
        response["Idempotent-Replayed"] = "true"
    return {**answer.body, "replayed": answer.replayed}


CASE = "/{case_number}"


@router.post(f"{CASE}/accept", response={200: CallbackOut, **ERRORS}, summary="受理",
             description="部门系统受理了该办件：开始计算办结时限。")
def accept(request: HttpRequest, response: HttpResponse, case_number: str, payload: EventIn) -> dict[str, Any]:
    return _callback(request, response, case_number=case_number, action="accept", payload=payload,
                     run=lambda system, case_id: case_services.case_external_accept(
                         system=system, case_id=case_id, opinion=payload.opinion))


@router.post(f"{CASE}/refuse", response={200: CallbackOut, **ERRORS}, summary="不予受理",
             description="不予受理，须有理由和法律依据；申请人将收到告知。")
def refuse(request: HttpRequest, response: HttpResponse, case_number: str, payload: RefuseIn) -> dict[str, Any]:
    return _callback(request, response, case_number=case_number, action="refuse", payload=payload,
                     run=lambda system, case_id: case_services.case_external_refuse(
                         system=system, case_id=case_id, reasons=payload.reasons, legal_basis=payload.legal_basis,
                         opinion=payload.opinion))


@router.post(f"{CASE}/supplement", response={200: CallbackOut, **ERRORS}, summary="补齐补正告知",
             description="一次性告知申请人需补齐补正的全部内容；期间暂停计时。")
def supplement(request: HttpRequest, response: HttpResponse, case_number: str,
               payload: SupplementIn) -> dict[str, Any]:
    items = [SupplementItem(material=i.material, field=i.field, reason=i.reason) for i in payload.items]
    return _callback(request, response, case_number=case_number, action="supplement", payload=payload,
                     run=lambda system, case_id: case_services.case_external_supplement(
                         system=system, case_id=case_id, items=items, opinion=payload.opinion))


@router.post(f"{CASE}/steps", response={200: CallbackOut, **ERRORS}, summary="报告办理环节",
             description="部门系统中的一个环节已办理（记入办件的办理记录，申请人可见进度）。")
def step(request: HttpRequest, response: HttpResponse, case_number: str, payload: StepIn) -> dict[str, Any]:
    return _callback(request, response, case_number=case_number, action="step", payload=payload,
                     run=lambda system, case_id: case_services.case_external_step(
                         system=system, case_id=case_id, step_name=payload.step_name, outcome=payload.outcome,
                         opinion=payload.opinion))


@router.post(f"{CASE}/decision", response={200: CallbackOut, **ERRORS}, summary="作出决定",
             description="准予或不予，附决定文书和送达方式；准予时平台调用结果出具接口，需缴费的进入待缴费。")
def decision(request: HttpRequest, response: HttpResponse, case_number: str, payload: DecisionIn) -> dict[str, Any]:
    documents = [DecisionDocument(name=d.name, number=d.number) for d in payload.documents]
    return _callback(request, response, case_number=case_number, action="decision", payload=payload,
                     run=lambda system, case_id: case_services.case_external_decide(
                         system=system, case_id=case_id, outcome=payload.outcome, opinion=payload.opinion,
                         documents=documents, delivery_method=payload.delivery_method,
                         fee_amount_fen=payload.fee_amount_fen))


@router.post(f"{CASE}/completion", response={200: CallbackOut, **ERRORS}, summary="办结")
def completion(request: HttpRequest, response: HttpResponse, case_number: str, payload: EventIn) -> dict[str, Any]:
    return _callback(request, response, case_number=case_number, action="completion", payload=payload,
                     run=lambda system, case_id: case_services.case_external_complete(
                         system=system, case_id=case_id, opinion=payload.opinion))


@router.post(f"{CASE}/delivery", response={200: CallbackOut, **ERRORS}, summary="送达",
             description="办理结果已送达（窗口领取、邮寄送达附快递单号、电子送达）。")
def delivery(request: HttpRequest, response: HttpResponse, case_number: str, payload: DeliveryIn) -> dict[str, Any]:
    return _callback(request, response, case_number=case_number, action="delivery", payload=payload,
                     run=lambda system, case_id: case_services.case_external_deliver(
                         system=system, case_id=case_id, opinion=payload.opinion,
                         tracking_number=payload.tracking_number))
