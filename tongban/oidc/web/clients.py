"""Workbench pages (工作台) for platform administrators: list and register relying parties (接入系统)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tongban.core.errors import DomainError, NotPermitted
from tongban.directory.selectors import StaffContext, staff_context_for_user
from tongban.directory.services import staff_authorize
from tongban.oidc import selectors, services
from tongban.oidc.web.forms import ClientForm


def _is_platform_admin(staff: StaffContext) -> bool:
    return staff.is_platform_admin


def may_manage_clients(user: Any) -> bool:
    """Only platform administrators (平台管理员, platform-wide scope) list and register clients."""
    staff = staff_context_for_user(user)
    return staff is not None and _is_platform_admin(staff)


def _require_admin(request: HttpRequest, action: str) -> None:
    """A refusal is audited (``denied``) and answers 403."""
    try:
        staff_authorize(user=request.user, action=action, permitted=_is_platform_admin,
                        message=_("只有平台管理员可以管理接入系统。"))
    except NotPermitted as error:
        raise PermissionDenied(error.message) from None


@never_cache
@login_required(login_url="web:staff_login")
def client_list(request: HttpRequest) -> HttpResponse:
    _require_admin(request, "oidc.client.list")
    return render(request, "oidc/admin/clients.html", {"clients": selectors.client_list_for_admin()})


@never_cache
@login_required(login_url="web:staff_login")
@require_http_methods(["GET", "POST"])
def client_new(request: HttpRequest) -> HttpResponse:
    _require_admin(request, "oidc.client.register")
    form = ClientForm(request.POST or None)
    registered = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            registered = services.client_register(
                actor_user=request.user, may_register=may_manage_clients(request.user), name=data["name"],
                department_name=data["department_name"], kind=data["kind"], redirect_uris=data["redirect_uris"],
                post_logout_redirect_uris=data["post_logout_redirect_uris"], allowed_scopes=data["allowed_scopes"],
                sensitive_scopes_approved=data["sensitive_scopes_approved"],
                backchannel_logout_uri=data["backchannel_logout_uri"],
                sector_identifier=data["sector_identifier"], department_id=data.get("department"))
        except DomainError as error:
            form.add_error(None, error.message)
        except ValidationError as error:  # model validation (redirect URIs) reports per field
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
    return render(request, "oidc/admin/client_new.html", {"form": form, "registered": registered})
