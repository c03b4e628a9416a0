"""The applicant's API (/api/v1/applicant/, bearer token): drafts and their materials, submission with an
``Idempotency-Key``, the receipt, 我的办件 with the timeline, supplementing and resubmitting, withdrawal, notices.

Every endpoint acts for the signed-in person, or — with ``org_id`` — for an organisation the account may act for
(its own account, the legal representative, an agent: drafts and submission need the agent's "apply" scope,
cases "view_cases"). An organisation the account may not act for at all answers 404, as in
/api/v1/organizations; a missing scope answers 403 (audited). Another applicant's draft or case answers 404.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Header, Query, Router, Status, UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from tongban.api import applicant_schemas as a
from tongban.api import schemas as s
from tongban.api.auth import bearer, current
from tongban.cases import selectors as case_selectors
from tongban.cases import services as case_services
from tongban.cases.records import (
    ApplicantCaseView,
    AttachmentRow,
    CaseClock,
    CaseReceipt,
    DraftView,
    MaterialStatus,
)
from tongban.cases.services import applicant as applicant_services
from tongban.core.errors import NotPermitted
from tongban.notifications import selectors as notice_selectors
from tongban.notifications import services as notice_services
from tongban.organizations import selectors as org_selectors

router = Router(tags=["applicant"], auth=bearer)
NO_ORG = "没有这个法人，或您无权代表它办理。"
ORG_ID = Query(None, description="代表法人办理时：法人 id（GET /organizations 列出可代表的法人）")
DRAFT_ERRORS = s.error_responses(401, 403, 404, 409, 422)


def _user(request: HttpRequest, org_id: int | None) -> Any:
    """The signed-in account, after checking it may act for ``org_id`` at all (else 404)."""
    user = current(request).user
    if org_id is not None:
        try:
            org_selectors.acting_context(user=user, org_id=org_id)
        except NotPermitted:
            raise Http404(_(NO_ORG)) from None
    return user


# ------------------------------------------------------------------ plain data → JSON


def _attachment(row: AttachmentRow) -> dict[str, Any]:
    return {"id": row.id, "material_name": row.material_name, "source": row.source, "source_label": row.source_label,
            "file_id": row.file_id, "display_name": row.display_name, "mime": row.mime, "size": row.size,
            "license_label": row.license_label, "supplement_round": row.supplement_round,
            "created_at": row.created_at}


def _material(m: MaterialStatus) -> dict[str, Any]:
    return {"name": m.name, "required": m.required, "note": m.note, "license_type": m.license_type,
            "original_count": m.original_count, "copy_count": m.copy_count, "met": m.met,
            "attachments": [_attachment(a) for a in m.attachments]}


def _draft(view: DraftView) -> dict[str, Any]:
    spec = view.form
    return {
        "id": view.id, "title": view.title, "implementation_code": view.implementation_code,
        "bundle_code": view.bundle_code, "department_name": view.department_name,
        "organization_id": view.organization_id, "created_at": view.created_at, "updated_at": view.updated_at,
        "blocked_reason": view.blocked_reason,
        "form": None if spec is None else {"key": spec.key, "version": spec.version, "title": spec.title,
                                           "field_schema": spec.schema, "layout": spec.layout},
        "data": view.data,
        "prefill": {name: {"value": p.value, "source": p.source, "source_label": p.source_label, "locked": p.locked}
                    for name, p in view.prefill.items()},
        "materials": [_material(m) for m in view.materials],
        "members": [{"item_code": m.item_code, "item_name": m.item_name, "implementation_code": m.implementation_code,
                     "department_name": m.department_name} for m in view.members],
    }


def _receipt(r: CaseReceipt) -> dict[str, Any]:
    return {
        "case_id": r.case_id, "case_number": r.case_number, "kind": r.kind, "title": r.title,
        "department_name": r.department_name, "applicant_name_masked": r.applicant_name_masked,
        "applicant_kind": r.applicant_kind, "submitted_at": r.submitted_at, "status": r.status,
        "status_label": r.status_label, "acceptance_mode": r.acceptance_mode,
        "acceptance_mode_label": r.acceptance_mode_label, "acceptance_due": r.acceptance_due,
        "acceptance_due_provisional": r.acceptance_due_provisional, "promised_limit_value": r.promised_limit_value,
        "promised_limit_unit": r.promised_limit_unit, "consult_phone": r.consult_phone, "address": r.address,
        "materials": [{"name": name, "supplied_as": how} for name, how in r.materials],
        "children": [{"case_id": c.case_id, "case_number": c.case_number, "item_name": c.item_name,
                      "department_name": c.department_name, "acceptance_due": c.acceptance_due} for c in r.children],
        "lookup_hint": r.lookup_hint,
    }


def _clock(c: CaseClock) -> dict[str, Any]:
    return {"kind": c.kind, "label": c.label, "due": c.due, "provisional": c.provisional, "colour": c.colour,
            "running": c.running, "stopped_since": c.stopped_since, "extension_working_days": c.extension_working_days}


def _detail(v: ApplicantCaseView) -> dict[str, Any]:
    return {
        "id": v.id, "case_number": v.case_number, "kind": v.kind, "title": v.title,
        "department_name": v.department_name, "status": v.status, "status_label": v.status_label,
        "submitted_at": v.submitted_at, "clock": _clock(v.clock), "next_action": v.next_action,
        "can_withdraw": v.can_withdraw, "can_resubmit": v.can_resubmit,
        "supplement_items": [{"material": str(i.get("material") or ""), "field": str(i.get("field") or ""),
                              "reason": str(i.get("reason") or "")} for i in v.supplement_items],
        "timeline": [_timeline(e) for e in v.timeline], "materials": [_material(m) for m in v.materials],
        "documents": [{"name": d.name, "kind": d.kind, "reference": d.reference, "file_id": d.file_id}
                      for d in v.documents],
        "decision_outcome": v.decision_outcome, "delivery_method": v.delivery_method,
        "fee_amount_fen": v.fee_amount_fen,
        "bundle": None if v.bundle is None else {
            "status": v.bundle.status, "status_label": v.bundle.status_label, "total": v.bundle.total,
            "closed": v.bundle.closed, "children": [{
                "case_id": c.case_id, "case_number": c.case_number, "item_name": c.item_name,
                "department_name": c.department_name, "status": c.status, "status_label": c.status_label,
                "clock": _clock(c.clock)} for c in v.bundle.children]},
    }


def _timeline(e: Any) -> dict[str, Any]:
    return {"occurred_at": e.occurred_at, "transition": e.transition, "title": e.title, "text": e.text,
            "actor_label": e.actor_label}


def _file_response(data: bytes, *, mime: str, name: str, inline: bool = False) -> HttpResponse:
    response = HttpResponse(data, content_type=mime)
    response["Content-Disposition"] = f"{'inline' if inline else 'attachment'}; filename*=UTF-8''{quote(name)}"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# ------------------------------------------------------------------ drafts


@router.post("/drafts", response={200: a.DraftOut, **DRAFT_ERRORS}, summary="开始或继续申请（草稿）",
             description="为一个实施清单或一件事打开草稿：已有草稿时继续原草稿（换设备也一样）。返回申请表（JSON Schema 和布局）、"
                         "已填写的值、预填值（来源、是否锁定）和申请材料。")
def draft_open(request: HttpRequest, payload: a.DraftOpenIn, org_id: int | None = ORG_ID) -> Any:
    user = _user(request, org_id)
    return _draft(case_services.draft_open(
        user=user, org_id=org_id, implementation_code=payload.implementation_code, bundle_code=payload.bundle_code,
        region_code=payload.region_code, optional_item_codes=payload.optional_item_codes))


@router.get("/drafts", response={200: list[a.DraftSummaryOut], **s.error_responses(401, 404)}, summary="我的草稿")
def draft_list(request: HttpRequest, org_id: int | None = ORG_ID) -> Any:
    return case_selectors.draft_list_for_applicant(user=_user(request, org_id), org_id=org_id)


@router.get("/drafts/{int:draft_id}", response={200: a.DraftOut, **DRAFT_ERRORS}, summary="草稿详情")
def draft_get(request: HttpRequest, draft_id: int, org_id: int | None = ORG_ID) -> Any:
    return _draft(applicant_services.draft_get(user=_user(request, org_id), org_id=org_id, draft_id=draft_id))


@router.patch("/drafts/{int:draft_id}", response={200: a.DraftOut, **DRAFT_ERRORS}, summary="保存草稿（自动保存）",
              description="合并保存部分或全部字段；类型、选项和格式当即检查（422 列出每个问题），必填项在提交时检查。")
def draft_save(request: HttpRequest, draft_id: int, payload: a.DraftSaveIn, org_id: int | None = ORG_ID) -> Any:
    return _draft(case_services.draft_save(user=_user(request, org_id), org_id=org_id, draft_id=draft_id,
                                           data=payload.data))


@router.delete("/drafts/{int:draft_id}", response={204: None, **DRAFT_ERRORS}, summary="删除草稿")
def draft_delete(request: HttpRequest, draft_id: int, org_id: int | None = ORG_ID) -> Status[Any]:
    case_services.draft_delete(user=_user(request, org_id), org_id=org_id, draft_id=draft_id)
    return Status(204, None)


@router.post("/drafts/{int:draft_id}/attachments", response={201: a.AttachmentOut, **DRAFT_ERRORS},
             summary="上传申请材料",
             description="multipart/form-data：material_name（申请材料名称）和 file（PDF、JPG、PNG）。按文件内容判断类型，"
                         "内容与文件名不符、过大或未通过安全检查的文件被拒绝（422）。")
def draft_attachment_upload(request: HttpRequest, draft_id: int, material_name: Form[str],
                            file: File[UploadedFile], org_id: int | None = ORG_ID) -> Status[Any]:
    return Status(201, _attachment(case_services.draft_attachment_upload(
        user=_user(request, org_id), org_id=org_id, draft_id=draft_id, material_name=material_name, upload=file)))


@router.post("/drafts/{int:draft_id}/attachments/reuse", response={201: a.AttachmentOut, **DRAFT_ERRORS},
             summary="材料复用：用以前提交并已受理的材料")
def draft_attachment_reuse(request: HttpRequest, draft_id: int, payload: a.ReuseIn,
                           org_id: int | None = ORG_ID) -> Status[Any]:
    return Status(201, _attachment(case_services.draft_attachment_reuse(
        user=_user(request, org_id), org_id=org_id, draft_id=draft_id, material_name=payload.material_name,
        file_id=payload.file_id)))


@router.delete("/drafts/{int:draft_id}/attachments/{int:attachment_id}", response={204: None, **DRAFT_ERRORS},
               summary="删除草稿中的一份材料")
def draft_attachment_remove(request: HttpRequest, draft_id: int, attachment_id: int,
                            org_id: int | None = ORG_ID) -> Status[Any]:
    case_services.draft_attachment_remove(user=_user(request, org_id), org_id=org_id, draft_id=draft_id,
                                          attachment_id=attachment_id)
    return Status(204, None)


@router.get("/reusable-files", response={200: list[a.ReusableFileOut], **s.error_responses(401, 403, 404)},
            summary="可复用的材料（材料复用）", description="本人（或所代表法人）以前提交并已受理的材料；material_name 对应的排在前面。")
def reusable_files(request: HttpRequest, material_name: str = "", org_id: int | None = ORG_ID) -> Any:
    return case_selectors.attachment_reusable_list(user=_user(request, org_id), org_id=org_id,
                                                   material_name=material_name[:200])


@router.post("/drafts/{int:draft_id}/submission", response={200: a.ReceiptOut, 201: a.ReceiptOut, **DRAFT_ERRORS},
             summary="提交申请", description=(
                 "Idempotency-Key 请求头必填（8–64位字母、数字或 _ . : -，如 UUID，在准备提交时生成一次）：同一个键重试时返回"
                 "同一个办件（200），首次提交返回 201 和回执。一并检查：事项未暂停（否则 409 item_suspended，草稿保留）、"
                 "实名等级（不足时 403 step_up_required，先完成实名核验再提交）、申请表和材料（422 一次列出全部问题）。"))
def submit(request: HttpRequest, draft_id: int,
           idempotency_key: str = Header(..., alias="Idempotency-Key", max_length=64),
           org_id: int | None = ORG_ID) -> Status[Any]:
    user = _user(request, org_id)
    existing = applicant_services.case_receipt_for_key(user=user, idempotency_key=idempotency_key)
    if existing is not None:
        return Status(200, _receipt(existing))
    return Status(201, _receipt(case_services.case_submit(user=user, org_id=org_id, draft_id=draft_id,
                                                          idempotency_key=idempotency_key)))


# ------------------------------------------------------------------ 我的办件


CASE_ERRORS = s.error_responses(401, 403, 404)


@router.get("/cases", response={200: list[a.CaseRowOut], **CASE_ERRORS}, summary="我的办件",
            description="status_group：open 办理中 · action 需要我处理（补正、缴费）· closed 已办结；一件事只列主办件。")
@paginate(LimitOffsetPagination)
def case_list(request: HttpRequest, status_group: str | None = None, org_id: int | None = ORG_ID) -> Any:
    user = _user(request, org_id)
    group = status_group if status_group in ("open", "action", "closed") else None
    if org_id is not None:
        return case_selectors.case_list_for_organization(user=user, org_id=org_id, status_group=group)
    return case_selectors.case_list_for_person(user=user, status_group=group)


@router.get("/cases/{int:case_id}", response={200: a.CaseDetailOut, **CASE_ERRORS}, summary="办件详情",
            description="通俗的办理进度、现在需要做什么、期限（暂定时 provisional）、材料、文书；一件事含各子办件。")
def case_detail(request: HttpRequest, case_id: int, org_id: int | None = ORG_ID) -> Any:
    return _detail(case_selectors.case_detail_for_applicant(user=_user(request, org_id), org_id=org_id,
                                                            case_id=case_id))


@router.get("/cases/{int:case_id}/timeline", response={200: list[a.TimelineOut], **CASE_ERRORS},
            summary="办理进度（时间线）")
def case_timeline(request: HttpRequest, case_id: int, org_id: int | None = ORG_ID) -> Any:
    view = case_selectors.case_detail_for_applicant(user=_user(request, org_id), org_id=org_id, case_id=case_id)
    return [_timeline(e) for e in view.timeline]


@router.get("/cases/{int:case_id}/receipt", response={200: a.ReceiptOut, **CASE_ERRORS}, summary="回执")
def case_receipt(request: HttpRequest, case_id: int, org_id: int | None = ORG_ID) -> Any:
    return _receipt(case_selectors.case_receipt_for_applicant(user=_user(request, org_id), org_id=org_id,
                                                              case_id=case_id))


@router.get("/cases/{int:case_id}/receipt.pdf", response={200: None, **s.error_responses(401, 403, 404, 503)},
            summary="回执（PDF）", openapi_extra={"responses": {200: {
                "description": "application/pdf", "content": {"application/pdf": {"schema": {
                    "type": "string", "format": "binary"}}}}}})
def case_receipt_pdf(request: HttpRequest, case_id: int, org_id: int | None = ORG_ID) -> HttpResponse:
    receipt, data = applicant_services.case_receipt_pdf_for_applicant(user=_user(request, org_id), org_id=org_id,
                                                                       case_id=case_id)
    return _file_response(data, mime="application/pdf", name=f"回执-{receipt.case_number}.pdf")


@router.get("/cases/{int:case_id}/materials/{int:attachment_id}", response={200: None, **CASE_ERRORS},
            summary="下载已提交的材料", openapi_extra={"responses": {200: {
                "description": "材料文件（PDF、JPEG 或 PNG）", "content": {"application/octet-stream": {"schema": {
                    "type": "string", "format": "binary"}}}}}})
def case_material(request: HttpRequest, case_id: int, attachment_id: int, org_id: int | None = ORG_ID) -> HttpResponse:
    info, data = case_services.case_material_read(user=_user(request, org_id), org_id=org_id, case_id=case_id,
                                                  material_id=attachment_id)
    return _file_response(data, mime=info.mime, name=info.display_name or "file", inline=True)


@router.get("/cases/{int:case_id}/documents/{int:file_id}", response={200: None, **CASE_ERRORS},
            summary="下载决定文书", description="file_id 见办件详情 documents；一件事的文书在各子办件上。",
            openapi_extra={"responses": {200: {
                "description": "文书文件（PDF、JPEG 或 PNG）", "content": {"application/octet-stream": {"schema": {
                    "type": "string", "format": "binary"}}}}}})
def case_document(request: HttpRequest, case_id: int, file_id: int, org_id: int | None = ORG_ID) -> HttpResponse:
    info, data = case_services.case_document_read(user=_user(request, org_id), org_id=org_id, case_id=case_id,
                                                  file_id=file_id)
    return _file_response(data, mime=info.mime, name=info.display_name or "document", inline=True)


SUPPLEMENT_ERRORS = s.error_responses(401, 403, 404, 409, 422)


@router.post("/cases/{int:case_id}/attachments", response={201: a.AttachmentOut, **SUPPLEMENT_ERRORS},
             summary="补交材料（补齐补正时）", description="multipart/form-data：material_name 和 file。办件须处于待补齐补正状态。")
def case_attachment_upload(request: HttpRequest, case_id: int, material_name: Form[str], file: File[UploadedFile],
                           org_id: int | None = ORG_ID) -> Status[Any]:
    return Status(201, _attachment(case_services.case_attachment_upload(
        user=_user(request, org_id), org_id=org_id, case_id=case_id, material_name=material_name, upload=file)))


@router.post("/cases/{int:case_id}/attachments/reuse", response={201: a.AttachmentOut, **SUPPLEMENT_ERRORS},
             summary="补交材料：材料复用")
def case_attachment_reuse(request: HttpRequest, case_id: int, payload: a.ReuseIn,
                          org_id: int | None = ORG_ID) -> Status[Any]:
    return Status(201, _attachment(case_services.case_attachment_reuse(
        user=_user(request, org_id), org_id=org_id, case_id=case_id, material_name=payload.material_name,
        file_id=payload.file_id)))


@router.post("/cases/{int:case_id}/resubmission", response={200: a.CaseDetailOut, **SUPPLEMENT_ERRORS},
             summary="提交补正", description="补交全部材料、更正表单后提交；仍缺的材料和表单问题一次列出（422）。")
def case_resubmit(request: HttpRequest, case_id: int, payload: a.ResubmitIn, org_id: int | None = ORG_ID) -> Any:
    user = _user(request, org_id)
    case_services.case_resubmit(user=user, org_id=org_id, case_id=case_id, data=payload.data, note=payload.note)
    return _detail(case_selectors.case_detail_for_applicant(user=user, org_id=org_id, case_id=case_id))


@router.post("/cases/{int:case_id}/withdrawal", response={200: a.CaseDetailOut, **SUPPLEMENT_ERRORS},
             summary="撤回申请", description="作出决定前可撤回（之后 409）；一件事整体撤回。须写明原因。")
def case_withdraw(request: HttpRequest, case_id: int, payload: a.WithdrawIn, org_id: int | None = ORG_ID) -> Any:
    user = _user(request, org_id)
    case_services.case_withdraw(user=user, org_id=org_id, case_id=case_id, reason=payload.reason)
    return _detail(case_selectors.case_detail_for_applicant(user=user, org_id=org_id, case_id=case_id))


# ------------------------------------------------------------------ 消息


@router.get("/notices", response={200: a.NoticesOut, **s.error_responses(401)}, summary="站内消息",
            description="本账号的消息，新的在前；unread 为未读数。")
def notices(request: HttpRequest, unread_only: bool = False, limit: int = Query(20, ge=1, le=100),
            offset: int = Query(0, ge=0)) -> dict[str, Any]:
    user = current(request).user
    qs = notice_selectors.notice_list_for_user(user=user, unread_only=unread_only)
    return {"unread": notice_selectors.notice_unread_count(user=user), "total": qs.count(),
            "items": [{"id": n.pk, "title": n.title, "body": n.body, "link": n.link, "created_at": n.created_at,
                       "read_at": n.read_at} for n in qs[offset:offset + limit]]}


@router.post("/notices/{int:notice_id}/read", response={200: a.MarkedOut, **s.error_responses(401, 404)},
             summary="标为已读")
def notice_read(request: HttpRequest, notice_id: int) -> dict[str, int]:
    return {"marked": notice_services.notice_mark_read(user=current(request).user, notice_id=notice_id)}


@router.post("/notices/read", response={200: a.MarkedOut, **s.error_responses(401)}, summary="全部标为已读")
def notices_read_all(request: HttpRequest) -> dict[str, int]:
    return {"marked": notice_services.notice_mark_read(user=current(request).user)}
