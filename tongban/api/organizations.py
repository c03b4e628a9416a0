"""Legal persons (法人) and agents (经办人) through the API (/api/v1/organizations/), with a bearer token.

Every organisation id in a path is checked through the legal-person selectors against the acting account: an
organisation the account may not act for answers 404, as if it did not exist; an agent who asks for what only the
legal representative may do gets 403.
"""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from tongban.api import schemas as s
from tongban.api.auth import bearer, current
from tongban.core.errors import NotPermitted
from tongban.organizations import selectors, services

router = Router(tags=["organizations"], auth=bearer)
CHINA_TZ = ZoneInfo("Asia/Shanghai")
NOT_FOUND = "没有这个法人，或您无权代表它办理。"


def _acting(request: HttpRequest, org_id: int) -> selectors.OrgActingContext:
    try:
        return selectors.acting_context(user=current(request).user, org_id=org_id)
    except NotPermitted:
        raise Http404(_(NOT_FOUND)) from None


def _legal_rep(request: HttpRequest, org_id: int) -> selectors.OrgActingContext:
    ctx = _acting(request, org_id)
    if ctx.role != selectors.ROLE_LEGAL_REP:
        raise NotPermitted(_("只有法定代表人本人可以管理经办人。"), code="not_legal_rep")
    return ctx


@router.post("", response={201: s.OrganizationOut, **s.error_responses(401, 403, 409, 422, 503)},
             summary="法人注册",
             description="由已实名的自然人办理。申请人就是登记的法定代表人时立即启用；否则等待法定代表人在本人账号中确认"
                         "（GET /organizations/confirmations）。单位名称、类型和法定代表人须与企业登记信息一致。")
def organization_register(request: HttpRequest, payload: s.OrganizationRegisterIn) -> Status[Any]:
    return Status(201, services.organization_register(
        applicant_user=current(request).user, org_type=payload.org_type, name=payload.name,
        credit_code=payload.credit_code, legal_rep_name=payload.legal_rep_name,
        legal_rep_id_number=payload.legal_rep_id_number, password=payload.password))


@router.get("", response={200: list[s.MembershipOut], **s.error_responses(401)},
            summary="我可以代表的法人", description="法人账号本身、我是法定代表人的法人，以及授权我为有效经办人的法人。")
def organization_list(request: HttpRequest) -> list[Any]:
    return list(selectors.organization_list_for_user(user=current(request).user))


@router.get("/confirmations", response={200: list[s.OrganizationOut], **s.error_responses(401)},
            summary="待我确认的法人注册", description="按我实名核验的身份证号匹配登记的法定代表人。")
def confirmation_list(request: HttpRequest) -> list[Any]:
    return list(selectors.organization_pending_for_legal_rep(user=current(request).user))


@router.post("/{int:org_id}/confirmation", response={200: s.OrganizationOut, **s.error_responses(401, 403, 404)},
             summary="法定代表人确认注册")
def organization_confirm(request: HttpRequest, org_id: int) -> Any:
    user = current(request).user
    if org_id not in {org.id for org in selectors.organization_pending_for_legal_rep(user=user)}:
        raise Http404(_("没有这条待您确认的注册申请。"))
    return services.organization_confirm(org_id=org_id, legal_rep_user=user)


@router.get("/{int:org_id}", response={200: s.ActingOut, **s.error_responses(401, 404)},
            summary="我代表该法人的身份和授权范围",
            description="法人账号本身、法定代表人或有效经办人可见；授权被撤销或过期后返回 404。")
def acting(request: HttpRequest, org_id: int) -> dict[str, Any]:
    ctx = _acting(request, org_id)
    return {"organization": selectors.organization_summary_for(user=current(request).user, org_id=org_id),
            "role": ctx.role, "scopes": sorted(ctx.scopes), "authorization_id": ctx.authorization_id,
            "valid_until": ctx.valid_until}


@router.get("/{int:org_id}/agents", response={200: list[s.AgentOut], **s.error_responses(401, 403, 404)},
            summary="经办人授权列表（法定代表人）")
def agent_list(request: HttpRequest, org_id: int) -> list[Any]:
    _legal_rep(request, org_id)
    return list(selectors.agent_list_for_legal_rep(user=current(request).user, org_id=org_id))


@router.post("/{int:org_id}/agents", response={201: s.CreatedOut, **s.error_responses(401, 403, 404, 422)},
             summary="授权经办人（法定代表人）",
             description="经办人须已实名；同一经办人已有的有效授权被新的授权替换。有效期至 valid_until 当天结束（北京时间）。")
def agent_authorize(request: HttpRequest, org_id: int, payload: s.AgentIn) -> Status[Any]:
    _legal_rep(request, org_id)
    until = datetime.datetime.combine(payload.valid_until + datetime.timedelta(days=1), datetime.time.min,
                                      tzinfo=CHINA_TZ)
    authorization_id = services.agent_authorize(
        org_id=org_id, legal_rep_user=current(request).user, agent_phone_or_username=payload.agent,
        scopes=payload.scopes, valid_until=until)
    return Status(201, {"id": authorization_id, "status": "active"})


@router.delete("/{int:org_id}/agents/{int:authorization_id}", response={204: None, **s.error_responses(401, 403, 404)},
               summary="撤销经办人授权（法定代表人），立即生效")
def agent_revoke(request: HttpRequest, org_id: int, authorization_id: int) -> Status[Any]:
    _legal_rep(request, org_id)
    try:
        selectors.agent_authorization_for_legal_rep(user=current(request).user, org_id=org_id,
                                                    authorization_id=authorization_id)
    except NotPermitted:
        raise Http404(_("没有这条授权。")) from None
    services.agent_revoke(authorization_id=authorization_id, legal_rep_user=current(request).user)
    return Status(204, None)
