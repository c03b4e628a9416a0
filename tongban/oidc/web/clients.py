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

from tongban.core.errors import DomainError
from tongban.directory.selectors import staff_context_for_user
from tongban.oidc import selectors, services
from tongban.oidc.web.forms import ClientForm

# tongban.directory sits above tongban.oidc in the import-linter layers, so the staff context is looked up by name.
# OPEN: switch to the platform-administrator role once tongban.directory has it.


def may_manage_clients(user: Any) -> bool:
    """Only platform administrators register clients (for now: the platform catalogue administrator role)."""
    context = staff_context_for_user(user)
    return bool(context is not None and getattr(context, "is_platform_catalog_admin", False))


def _require_admin(request: HttpRequest) -> None:
    if not may_manage_clients(request.user):
        raise PermissionDenied(_("只有平台管理员可以管理接入系统。"))


@never_cache
@login_required(login_url="web:staff_login")
def client_list(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    return render(request, "oidc/admin/clients.html", {"clients": selectors.client_list_for_admin()})


@never_cache
@login_required(login_url="web:staff_login")
@require_http_methods(["GET", "POST"])
def client_new(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    form = ClientForm(request.POST or None)
    registered = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            registered = services.client_register(
                actor_user=request.user, may_register=True, name=data["name"],
                department_name=data["department_name"], kind=data["kind"], redirect_uris=data["redirect_uris"],
                post_logout_redirect_uris=data["post_logout_redirect_uris"], allowed_scopes=data["allowed_scopes"],
                sensitive_scopes_approved=data["sensitive_scopes_approved"],
                backchannel_logout_uri=data["backchannel_logout_uri"],
                sector_identifier=data["sector_identifier"])
        except DomainError as error:
            form.add_error(None, error.message)
        except ValidationError as error:  # model validation (redirect URIs) reports per field
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
    return render(request, "oidc/admin/client_new.html", {"form": form, "registered": registered})
