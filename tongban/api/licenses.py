"""The licences API (/api/v1/licenses/).

- 我的证照 (bearer session of the holder; ``org_id`` for an organisation the account may manage licences of):
  the list, one licence with its fields (number masked), consents, use and verification logs; a 亮证 token; the
  holder's decisions on consent requests (grant, refuse, revoke).
- 证照核验 (no authentication): ``POST /licenses/verify`` with an identifier or a 亮证 token; each verification is
  logged; limited per client address (429).
- 用证 (a registered system with an access token of the OAuth2 client-credentials grant at ``/oidc/token/``: a
  department's system when the client is linked to a department, otherwise a third party): ask for consent, see
  its consents, use a granted consent — the granted fields as JSON, or the watermarked copy sealed by the issuing
  department as PDF. A refused use answers ``use_refused`` with the reason in ``issues[0].code``:
  ``consent_not_granted``, ``consent_expired``, ``consent_fields_exceeded`` (403) or ``license_not_valid`` (409);
  it is logged and shown to the holder like an allowed one.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from urllib.parse import quote

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router

from tongban.api import license_schemas as ls
from tongban.api import schemas as s
from tongban.api.auth import ClientCredentialsBearer, bearer, current
from tongban.core.errors import NotFound, NotPermitted, ValidationFailed
from tongban.core.http import client_ip
from tongban.licenses.models import VerificationChannel
from tongban.licenses.selectors import wallet as wallet_selectors
from tongban.licenses.services import consents as consent_services
from tongban.licenses.services import qr as qr_services
from tongban.licenses.services import verification as verification_services
from tongban.oidc.selectors import ServiceClient

router = Router(tags=["licenses"])
ORG_ID = Query(None, description="管理法人的证照时：法人 id（须有“管理证照”授权）")
NOT_FOUND = "没有找到这个证照。"


client_credentials = ClientCredentialsBearer()


def _requester(request: HttpRequest) -> consent_services.Requester:
    client: ServiceClient = request.auth  # type: ignore[attr-defined]
    return consent_services.requester_for_client(client_id=client.client_id, name=client.name,
                                                 department_id=client.department_id)


def _holder(request: HttpRequest) -> Any:
    return current(request).user


def _guard(call: Any) -> Any:
    """A licence, consent or organisation that is not the holder's answers 404 (as if it did not exist)."""
    try:
        return call()
    except (NotFound, NotPermitted):
        raise Http404(_(NOT_FOUND)) from None


# ------------------------------------------------------------------ 我的证照


@router.get("/mine", auth=bearer, response={200: list[ls.LicenseOut], **s.error_responses(401, 404)},
            summary="我的证照")
def my_licences(request: HttpRequest, org_id: int | None = ORG_ID) -> list[dict[str, Any]]:
    rows = _guard(lambda: wallet_selectors.wallet_license_list_for_holder(user=_holder(request), org_id=org_id))
    return [asdict(r) for r in rows]


@router.get("/mine/{int:license_id}", auth=bearer, response={200: ls.LicenseDetailOut, **s.error_responses(401, 404)},
            summary="我的证照详情（照面信息、用证授权、用证记录、被核验记录）")
def my_licence(request: HttpRequest, license_id: int, org_id: int | None = ORG_ID) -> dict[str, Any]:
    detail = _guard(lambda: wallet_selectors.wallet_license_get_for_holder(
        user=_holder(request), license_id=license_id, org_id=org_id))
    return asdict(detail)


@router.post("/mine/{int:license_id}/qr-token", auth=bearer,
             response={200: ls.QrTokenOut, **s.error_responses(401, 404, 409)},
             summary="亮证：签发 60 秒有效的二维码令牌（只限有效证照）")
def my_qr_token(request: HttpRequest, license_id: int, org_id: int | None = ORG_ID) -> dict[str, Any]:
    token = _guard(lambda: qr_services.qr_token_issue(user=_holder(request), license_id=license_id, org_id=org_id))
    return {"token": token.token, "url": request.build_absolute_uri(token.path), "expires_at": token.expires_at,
            "ttl": qr_services.TOKEN_TTL_SECONDS}


@router.get("/mine/consents", auth=bearer,
            response={200: list[ls.HolderConsentOut], **s.error_responses(401, 404)},
            summary="我的证照的用证申请和授权")
def my_consents(request: HttpRequest, pending: bool = False, org_id: int | None = ORG_ID) -> list[dict[str, Any]]:
    rows = _guard(lambda: wallet_selectors.consent_list_for_holder(user=_holder(request), org_id=org_id,
                                                                   pending_only=pending))
    return [{**asdict(row), "license_id": lic.id} for lic, row in rows]


@router.post("/mine/consents/{int:consent_id}/grant", auth=bearer,
             response={200: ls.ConsentOut, **s.error_responses(401, 404, 409, 422)}, summary="同意用证（选择字段和截止日期）")
def my_consent_grant(request: HttpRequest, consent_id: int, payload: ls.GrantIn,
                     org_id: int | None = ORG_ID) -> dict[str, Any]:
    row = _guard(lambda: consent_services.consent_grant(user=_holder(request), consent_id=consent_id,
                                                        fields=payload.fields, valid_until=payload.valid_until,
                                                        org_id=org_id))
    return asdict(row)


@router.post("/mine/consents/{int:consent_id}/refuse", auth=bearer,
             response={200: ls.ConsentOut, **s.error_responses(401, 404, 409)}, summary="拒绝用证申请")
def my_consent_refuse(request: HttpRequest, consent_id: int, org_id: int | None = ORG_ID) -> dict[str, Any]:
    return asdict(_guard(lambda: consent_services.consent_refuse(user=_holder(request), consent_id=consent_id,
                                                                 org_id=org_id)))


@router.post("/mine/consents/{int:consent_id}/revoke", auth=bearer,
             response={200: ls.ConsentOut, **s.error_responses(401, 404, 409)}, summary="撤回授权")
def my_consent_revoke(request: HttpRequest, consent_id: int, org_id: int | None = ORG_ID) -> dict[str, Any]:
    return asdict(_guard(lambda: consent_services.consent_revoke(user=_holder(request), consent_id=consent_id,
                                                                 org_id=org_id)))


# ------------------------------------------------------------------ 证照核验


@router.post("/verify", auth=None, response={200: ls.VerifyOut, **s.error_responses(422, 429)},
             summary="证照核验（无需登录）：证照标识或亮证令牌")
def verify(request: HttpRequest, payload: ls.VerifyIn) -> dict[str, Any]:
    identifier, token = payload.identifier.strip(), payload.token.strip()
    if bool(identifier) == bool(token):
        raise ValidationFailed(_("请提供 identifier 或 token 中的一个。"), code="identifier_or_token")
    ip = client_ip(request)
    verification_services.verification_throttle(client_ip=ip)
    outcome = (verification_services.license_verify_token(token=token, client_ip=ip, channel=VerificationChannel.API)
               if token else verification_services.license_verify_identifier(
                   identifier=identifier, client_ip=ip, channel=VerificationChannel.API))
    return {**asdict(outcome), "valid": outcome.valid}


# ------------------------------------------------------------------ 用证 (client credentials)


@router.post("/consents", auth=client_credentials,
             response={200: ls.RequestedConsentOut, **s.error_responses(401, 404, 409, 422)},
             summary="申请用证授权（持证人在“我的证照”中同意或拒绝）")
def consent_request(request: HttpRequest, payload: ls.ConsentRequestIn) -> dict[str, Any]:
    made = consent_services.consent_request(requester=_requester(request), identifier=payload.identifier,
                                            purpose=payload.purpose, fields=payload.fields,
                                            valid_until=payload.valid_until)
    return asdict(made)


@router.get("/consents", auth=client_credentials,
            response={200: list[ls.RequestedConsentOut], **s.error_responses(401)}, summary="本系统的用证申请")
def consent_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [asdict(r) for r in consent_services.consent_list_for_requester(requester=_requester(request))]


@router.get("/consents/{int:consent_id}", auth=client_credentials,
            response={200: ls.RequestedConsentOut, **s.error_responses(401, 404)}, summary="一项用证申请")
def consent_get(request: HttpRequest, consent_id: int) -> dict[str, Any]:
    return asdict(consent_services.consent_get_for_requester(requester=_requester(request), consent_id=consent_id))


@router.post("/consents/{int:consent_id}/use", auth=client_credentials,
             response={200: ls.UseResultOut, **s.error_responses(401, 403, 404, 409, 422)},
             summary="用证：返回授权字段（JSON）；每次使用都记录并告知持证人")
def consent_use(request: HttpRequest, consent_id: int, payload: ls.UseIn) -> dict[str, Any]:
    used = consent_services.license_use(requester=_requester(request), consent_id=consent_id,
                                        fields=payload.fields, purpose=payload.purpose)
    return {k: v for k, v in asdict(used).items() if k not in ("copy_pdf", "copy_sha256")}


@router.post("/consents/{int:consent_id}/copy.pdf", auth=client_credentials,
             response={200: None, **s.error_responses(401, 403, 404, 409, 422, 503)},
             summary="用证：加盖颁发机构电子印章、带水印的用证副本（PDF）",
             openapi_extra={"responses": {200: {"description": "application/pdf", "content": {
                 "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}})
def consent_copy(request: HttpRequest, consent_id: int, payload: ls.UseIn) -> HttpResponse:
    used = consent_services.license_use(requester=_requester(request), consent_id=consent_id,
                                        fields=payload.fields, purpose=payload.purpose, copy=True)
    response = HttpResponse(used.copy_pdf, content_type="application/pdf")
    name = f"{used.license_type_name}-用证副本-{used.use_id}.pdf"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    response["X-Content-SHA256"] = used.copy_sha256
    return response
