"""角色管理 in the workbench: administrators list the staff they administer and grant or revoke roles.

Who administers whom and which roles is decided in :mod:`tongban.directory` (``roles_manageable_by``, ADR 0010);
these views validate input and call the directory's selectors and services, which check again and audit.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tongban.core.errors import DomainError, NotFound, NotPermitted
from tongban.directory import services as directory_services
from tongban.directory.interface import StaffRole
from tongban.directory.selectors import (
    StaffContext,
    roles_manageable_by,
    staff_department_choices_for_admin,
    staff_list_for_admin,
)
from tongban.web.forms import StaffRolesForm

STAFF_LOGIN = "web:staff_login"
PAGE_SIZE = 30
QUERY_MAX = 50


def _can_manage_roles(staff: StaffContext) -> bool:
    return staff.can_manage_roles


def _administrator(request: HttpRequest) -> StaffContext:
    try:
        return directory_services.staff_authorize(
            user=request.user, action="directory.staff.list", permitted=_can_manage_roles,
            message=_("只有平台管理员、安全管理员和部门管理员可以管理工作人员角色。"))
    except NotPermitted as error:
        raise PermissionDenied(error.message) from None


def _positive_int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isascii() and raw.isdigit() and 0 < int(raw) < 2**31 else None


def _labels(roles: list[str]) -> list[str]:
    return [str(StaffRole(role).label) for role in roles]


@never_cache
@login_required(login_url=STAFF_LOGIN)
def staff_list(request: HttpRequest) -> HttpResponse:
    """工作人员列表 within the administrator's scope, by department, role and name."""
    actor = _administrator(request)
    departments = staff_department_choices_for_admin(actor=actor)
    department_id = _positive_int(request.GET.get("department"))
    if department_id not in {pk for pk, _name in departments}:
        department_id = None
    role = request.GET.get("role") or None
    if role not in StaffRole.values:
        role = None
    query = (request.GET.get("q") or "").strip()[:QUERY_MAX]
    rows = staff_list_for_admin(actor=actor, department_id=department_id, role=role, query=query or None)
    filters = {key: value for key, value in (("q", query), ("department", department_id or ""), ("role", role or ""))
               if value}
    return render(request, "web/workbench/staff_list.html", {
        "staff": actor, "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "departments": departments, "roles": StaffRole.choices, "filters": filters,
        "querystring": urlencode(filters)})


@never_cache
@login_required(login_url=STAFF_LOGIN)
@require_http_methods(["GET", "POST"])
def staff_detail(request: HttpRequest, staff_id: int) -> HttpResponse:
    """One staff member's roles: checkboxes for the roles the administrator may change, a reason, and a
    confirmation step before anything is revoked."""
    try:
        actor, member = directory_services.staff_open_for_admin(user=request.user, staff_id=staff_id)
    except NotPermitted as error:
        raise PermissionDenied(error.message) from None
    except NotFound as error:
        raise Http404(error.message) from None
    manageable = roles_manageable_by(actor, member)
    choices = [(value, label) for value, label in StaffRole.choices if value in manageable]
    form = StaffRolesForm(request.POST or None, role_choices=choices,
                          initial={"roles": [role for role in member.roles if role in manageable]})
    confirm: dict[str, list[str]] | None = None
    if request.method == "POST" and manageable and form.is_valid():
        wanted = set(form.cleaned_data["roles"])
        revoking = [role for role in member.roles if role in manageable and role not in wanted]
        granting = [role for role, _label in choices if role in wanted and role not in member.roles]
        if revoking and request.POST.get("confirm") != "yes":
            confirm = {"revoking": _labels(revoking), "granting": _labels(granting)}
        else:
            try:
                directory_services.staff_roles_update(actor=request.user, staff_id=member.id, roles=wanted,
                                                      reason=form.cleaned_data["reason"])
            except NotPermitted as error:
                raise PermissionDenied(error.message) from None
            except NotFound as error:
                raise Http404(error.message) from None
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("已调整%(n)s的角色，变更已记入审计日志。") % {"n": member.name})
                return redirect("web:wb_staff_detail", staff_id=member.id)
    return render(request, "web/workbench/staff_detail.html", {
        "staff": actor, "member": member, "form": form, "confirm": confirm, "manageable": bool(manageable),
        "is_self": member.id == actor.staff_id,
        "other_roles": _labels([role for role in member.roles if role not in manageable])})
