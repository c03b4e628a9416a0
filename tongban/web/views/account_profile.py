"""一人一档: the person's addresses, emergency contacts and preferences. Shown masked; no JavaScript needed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tongban.core.errors import DomainError
from tongban.directory.selectors import region_list_sites
from tongban.identity import profile as profile_services
from tongban.identity import selectors as identity
from tongban.identity.selectors import PersonProfile
from tongban.web.account_forms import AddressForm, ContactForm, PreferencesForm
from tongban.web.site import CARE_COOKIE, remember


def _profile(request: HttpRequest) -> PersonProfile:
    profile = identity.person_profile(user=request.user)
    if profile is None:
        raise Http404(_("这里是自然人账号页面。"))
    return profile


def _report(form: object, error: DomainError) -> None:
    placed = False
    for issue in error.issues:
        form.add_error(issue.field if issue.field in form.fields else None, issue.message)  # type: ignore[attr-defined]
        placed = True
    if not placed:
        form.add_error(None, error.message)  # type: ignore[attr-defined]


def _regions() -> tuple[list[tuple[str, list[tuple[str, str]]]], dict[str, str]]:
    """Counties grouped by prefecture (州市) from the directory — a plain <select> with <optgroup>s — and the full
    name of every code (“昆明市石林彝族自治县”)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    names: dict[str, str] = {}
    prefecture_names: dict[str, str] = {}
    for region in region_list_sites():
        if region.level == 2:
            prefecture_names[region.code[:4]] = region.name
            names[region.code] = region.name
            groups[region.name] = [(region.code, _("%(p)s（市本级）") % {"p": region.name})]
        elif region.level == 3:
            prefecture = prefecture_names.get(region.code[:4], "")
            names[region.code] = prefecture + region.name
            groups.setdefault(prefecture, []).append((region.code, region.name))
    return list(groups.items()), names


def _post_id(request: HttpRequest, name: str) -> int:
    try:
        return int(request.POST.get(name, ""))
    except ValueError:
        return 0


@login_required(login_url="web:login")
@require_http_methods(["GET", "POST"])
def addresses(request: HttpRequest) -> HttpResponse:
    """常用地址: add, make default, delete (with a confirmation step)."""
    _profile(request)
    regions, names = _regions()
    form = AddressForm(request.POST if request.POST.get("action") == "add" else None, regions=regions)
    action = request.POST.get("action")
    if action == "add" and form.is_valid():
        data = form.cleaned_data
        try:
            profile_services.address_add(user=request.user, region_code=data["region_code"], detail=data["detail"],
                                         label=data["label"], is_default=data["is_default"])
        except DomainError as error:
            _report(form, error)
        else:
            messages.success(request, _("地址已保存。"))
            return redirect("web:addresses")
    elif action in ("default", "delete"):
        try:
            if action == "default":
                profile_services.address_set_default(user=request.user, address_id=_post_id(request, "address"))
                messages.success(request, _("已设为默认地址。"))
            else:
                profile_services.address_delete(user=request.user, address_id=_post_id(request, "address"))
                messages.success(request, _("地址已删除。"))
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("web:addresses")
    rows = [(row, names.get(row.region_code, row.region_code))
            for row in identity.address_list_for_person(user=request.user)]
    confirm = request.GET.get("delete")
    return render(request, "web/account/addresses.html", {"rows": rows, "form": form, "confirm_delete": confirm})


@login_required(login_url="web:login")
@require_http_methods(["GET", "POST"])
def contacts(request: HttpRequest) -> HttpResponse:
    """紧急联系人: add or delete (with a confirmation step)."""
    _profile(request)
    action = request.POST.get("action")
    form = ContactForm(request.POST if action == "add" else None)
    if action == "add" and form.is_valid():
        data = form.cleaned_data
        try:
            profile_services.contact_add(user=request.user, name=data["name"], phone=data["phone"],
                                         relation=data["relation"])
        except DomainError as error:
            _report(form, error)
        else:
            messages.success(request, _("紧急联系人已保存。"))
            return redirect("web:contacts")
    elif action == "delete":
        try:
            profile_services.contact_delete(user=request.user, contact_id=_post_id(request, "contact"))
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("紧急联系人已删除。"))
        return redirect("web:contacts")
    return render(request, "web/account/contacts.html", {
        "rows": identity.contact_list_for_person(user=request.user), "form": form,
        "confirm_delete": request.GET.get("delete")})


@login_required(login_url="web:login")
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """偏好设置: 长辈模式 by default, and the notification channel."""
    profile = _profile(request)
    form = PreferencesForm(request.POST if request.method == "POST" else None, initial={"elder_mode": profile.elder_mode,
                                                         "notify_channel": profile.notify_channel})
    if request.method == "POST" and form.is_valid():
        try:
            profile_services.preferences_update(user=request.user, elder_mode=form.cleaned_data["elder_mode"],
                                                notify_channel=form.cleaned_data["notify_channel"])
        except DomainError as error:
            _report(form, error)
        else:
            messages.success(request, _("偏好设置已保存。"))
            response = redirect("web:preferences")
            remember(response, CARE_COOKIE, "1" if form.cleaned_data["elder_mode"] else "0")
            return response
    return render(request, "web/account/preferences.html", {"form": form})


__all__ = ["addresses", "contacts", "preferences"]
