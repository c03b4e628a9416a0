"""我的证照 (the holder's wallet): the list with states, a licence with its surface fields (the number masked), the
sealed PDF download (audited), 亮证 (a QR code refreshed every 60 s: meta refresh without JavaScript, a small
script with it), consent requests (grant chosen fields until a date, refuse, revoke after a confirmation), the use
log (谁用了我的证照) and the verification log (被核验记录, without the verifier).

Acting for an organisation works as on 我的办件: the ``org`` parameter; the services check it again. A licence of
another holder answers 404.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tongban.core.errors import DomainError, NotFound, NotPermitted
from tongban.identity.interface import AccountKind
from tongban.identity.selectors import person_verified_identity
from tongban.licenses.selectors import wallet as wallet_selectors
from tongban.licenses.services import consents as consent_services
from tongban.licenses.services import qr as qr_services
from tongban.licenses.services.wallet import license_download_for_holder
from tongban.organizations.interface import AgentScope
from tongban.web.acting import acting_options, org_param, org_query, own_org_id

LOGIN = "web:login"
PAGE_SIZE = 20
LOGS = {"uses": gettext_lazy("谁用了我的证照"), "verifications": gettext_lazy("被核验记录")}


def _org(request: HttpRequest) -> int | None:
    return org_param(request) or own_org_id(request.user)


def _common(request: HttpRequest, org_id: int | None) -> dict[str, Any]:
    options = acting_options(request.user, scope=AgentScope.MANAGE_LICENSES)
    return {"org_id": org_id, "org_qs": org_query(org_id), "org_amp": org_query(org_id, first=False),
            "options": options, "option": next((o for o in options if o.org_id == org_id), None)}


def _report(request: HttpRequest, error: DomainError) -> None:
    messages.error(request, error.message)
    for issue in error.issues:
        if issue.message != error.message:
            messages.error(request, issue.message)


def _detail_url(license_id: int, org_id: int | None) -> str:
    return reverse("web:wallet_detail", args=[license_id]) + org_query(org_id)


@never_cache
@login_required(login_url=LOGIN)
def wallet_list(request: HttpRequest) -> HttpResponse:
    org_id = _org(request)
    try:
        rows = wallet_selectors.wallet_license_list_for_holder(user=request.user, org_id=org_id)
        pending = wallet_selectors.consent_list_for_holder(user=request.user, org_id=org_id, pending_only=True)
    except NotPermitted:
        raise Http404(_("您无权查看该法人的证照。")) from None
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    verified = org_id is not None or getattr(request.user, "kind", "") != AccountKind.PERSON or \
        person_verified_identity(user_id=int(request.user.pk or 0)) is not None
    return render(request, "web/my/licenses/list.html", {
        **_common(request, org_id), "page": page, "pending": pending, "verified": verified,
        "querystring": org_query(org_id)[1:]})


@never_cache
@login_required(login_url=LOGIN)
def wallet_detail(request: HttpRequest, license_id: int) -> HttpResponse:
    org_id = _org(request)
    try:
        detail = wallet_selectors.wallet_license_get_for_holder(user=request.user, license_id=license_id,
                                                                org_id=org_id)
    except (NotFound, NotPermitted):
        raise Http404(_("没有找到这个证照。")) from None
    return render(request, "web/my/licenses/detail.html", {**_common(request, org_id), "d": detail,
                                                           "lic": detail.licence})


@never_cache
@login_required(login_url=LOGIN)
def wallet_download(request: HttpRequest, license_id: int) -> HttpResponse:
    try:
        found = license_download_for_holder(user=request.user, license_id=license_id, org_id=_org(request))
    except NotPermitted:
        raise Http404(_("没有找到这个证照。")) from None
    except NotFound as exc:
        raise Http404(exc.message) from None
    response = HttpResponse(found.data, content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(found.file_name)}"
    return response


def _token(request: HttpRequest, license_id: int, org_id: int | None) -> tuple[qr_services.QrToken, str]:
    token = qr_services.qr_token_issue(user=request.user, license_id=license_id, org_id=org_id)
    return token, request.build_absolute_uri(token.path)


@never_cache
@login_required(login_url=LOGIN)
def wallet_show(request: HttpRequest, license_id: int) -> HttpResponse:
    """亮证: the QR code of a fresh token; the page reloads itself each minute (meta refresh), and with JavaScript
    fetches a new code every 55 s without reloading."""
    org_id = _org(request)
    try:
        detail = wallet_selectors.wallet_license_get_for_holder(user=request.user, license_id=license_id,
                                                                org_id=org_id, recent=0)
        token, url = _token(request, license_id, org_id)
    except (NotFound, NotPermitted):
        raise Http404(_("没有找到这个证照。")) from None
    except DomainError as exc:
        _report(request, exc)
        return redirect(_detail_url(license_id, org_id))
    return render(request, "web/my/licenses/show.html", {
        **_common(request, org_id), "lic": detail.licence, "token": token, "url": url,
        "svg": qr_services.qr_svg(url), "refresh": qr_services.TOKEN_TTL_SECONDS,
        "token_url": reverse("web:wallet_token", args=[license_id]) + org_query(org_id),
        "refresh_ms": qr_services.REFRESH_SECONDS * 1000})


@never_cache
@login_required(login_url=LOGIN)
def wallet_token(request: HttpRequest, license_id: int) -> JsonResponse:
    """A new 亮证 token as JSON (for the page's script): ``{token, url, svg, expires_at, ttl}``."""
    try:
        token, url = _token(request, license_id, _org(request))
    except (NotFound, NotPermitted):
        return JsonResponse({"error": {"code": "not_found", "message": _("没有找到这个证照。")}}, status=404)
    except DomainError as exc:
        return JsonResponse({"error": {"code": exc.code, "message": exc.message}}, status=exc.http_status)
    return JsonResponse({"token": token.token, "url": url, "svg": qr_services.qr_svg(url),
                         "expires_at": token.expires_at.isoformat(), "ttl": qr_services.TOKEN_TTL_SECONDS})


@never_cache
@login_required(login_url=LOGIN)
def wallet_records(request: HttpRequest, license_id: int, log: str) -> HttpResponse:
    if log not in LOGS:
        raise Http404()
    org_id = _org(request)
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        number = 1
    reader = (wallet_selectors.license_use_list_for_holder if log == "uses"
              else wallet_selectors.verification_list_for_holder)
    try:
        detail = wallet_selectors.wallet_license_get_for_holder(user=request.user, license_id=license_id,
                                                                org_id=org_id, recent=0)
        total, rows = reader(user=request.user, license_id=license_id, org_id=org_id, limit=PAGE_SIZE,
                             offset=(number - 1) * PAGE_SIZE)
    except (NotFound, NotPermitted):
        raise Http404(_("没有找到这个证照。")) from None
    pages = Paginator(range(total), PAGE_SIZE)
    page = pages.get_page(number)
    return render(request, "web/my/licenses/records.html", {
        **_common(request, org_id), "lic": detail.licence, "log": log, "title": LOGS[log], "rows": rows,
        "page": page, "total": total, "querystring": org_query(org_id)[1:]})


# ------------------------------------------------------------------ consents


def _parse_date(raw: str) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


def _consent(request: HttpRequest, consent_id: int, org_id: int | None) -> tuple[Any, Any]:
    try:
        rows = wallet_selectors.consent_list_for_holder(user=request.user, org_id=org_id)
    except NotPermitted:
        raise Http404(_("没有找到这项用证授权。")) from None
    found = next(((lic, c) for lic, c in rows if c.id == consent_id), None)
    if found is None:
        raise Http404(_("没有找到这项用证授权。"))
    return found


@never_cache
@login_required(login_url=LOGIN)
@require_http_methods(["GET", "POST"])
def wallet_consent(request: HttpRequest, consent_id: int) -> HttpResponse:
    """One consent request: grant (chosen fields, a date), refuse; a granted one may be revoked after a
    confirmation page."""
    org_id = _org(request)
    lic, consent = _consent(request, consent_id, org_id)
    chosen = [f.name for f in consent.requested_fields]
    until = consent.valid_until
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "grant":
                chosen = request.POST.getlist("fields")
                until = _parse_date(request.POST.get("valid_until", ""))
                consent_services.consent_grant(user=request.user, consent_id=consent_id, fields=chosen,
                                               valid_until=until, org_id=org_id)
                messages.success(request, _("已同意授权。对方每次使用都会记录在“谁用了我的证照”中。"))
            elif action == "refuse":
                consent_services.consent_refuse(user=request.user, consent_id=consent_id, org_id=org_id)
                messages.success(request, _("已拒绝该用证申请。"))
            elif action == "revoke" and request.POST.get("confirm") == "yes":
                consent_services.consent_revoke(user=request.user, consent_id=consent_id, org_id=org_id)
                messages.success(request, _("已撤回授权，对方不能再使用该证照。"))
            elif action == "revoke":
                return render(request, "web/my/licenses/revoke_confirm.html", {
                    **_common(request, org_id), "lic": lic, "consent": consent})
            else:
                raise Http404()
            return redirect(_detail_url(lic.id, org_id))
        except (NotFound, NotPermitted):
            raise Http404(_("没有找到这项用证授权。")) from None
        except DomainError as exc:
            _report(request, exc)
    return render(request, "web/my/licenses/consent.html", {
        **_common(request, org_id), "lic": lic, "consent": consent, "chosen": chosen,
        "until": until.isoformat() if until else ""})

