"""Workbench pages (工作台) for webhook subscriptions of department systems (部门系统事件订阅).

Platform administrators see every department's subscriptions, department administrators their own department's
(``tongban.exchange.permissions``). A page for a subscription or delivery outside the scope answers 404, a caller
without the role 403; both are audited. The views validate input and call the exchange's selectors and services.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from tongban.core.errors import DomainError, NotFound, NotPermitted
from tongban.directory.selectors import StaffContext
from tongban.directory.services import staff_authorize
from tongban.exchange import selectors, services
from tongban.exchange.models import DeliveryStatus
from tongban.exchange.permissions import may_manage_webhooks
from tongban.exchange.web.forms import SubscriptionForm

STAFF_LOGIN = "web:staff_login"
PAGE_SIZE = 30


def _administrator(request: HttpRequest, action: str) -> StaffContext:
    try:
        return staff_authorize(user=request.user, action=action, permitted=may_manage_webhooks,
                               message=_("只有平台管理员和部门管理员可以管理事件订阅。"))
    except NotPermitted as error:
        raise PermissionDenied(error.message) from None


def _call(service: Callable[..., Any], **kwargs: Any) -> Any:
    """Run a service, turning refusals into 403 and out-of-scope records into 404."""
    try:
        return service(**kwargs)
    except NotPermitted as error:
        raise PermissionDenied(error.message) from None
    except NotFound as error:
        raise Http404(error.message) from None


@never_cache
@login_required(login_url=STAFF_LOGIN)
def subscription_list(request: HttpRequest) -> HttpResponse:
    actor = _administrator(request, "exchange.webhook.list")
    rows = selectors.webhook_subscription_list_for_staff(actor=actor)
    return render(request, "exchange/subscriptions.html", {
        "staff": actor, "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")), "querystring": "",
        "dead_total": selectors.webhook_delivery_dead_list_for_staff(actor=actor).count()})


@never_cache
@login_required(login_url=STAFF_LOGIN)
@require_http_methods(["GET", "POST"])
def subscription_new(request: HttpRequest) -> HttpResponse:
    actor = _administrator(request, "exchange.webhook.register")
    form = SubscriptionForm(request.POST or None,
                            departments=selectors.webhook_department_choices_for_staff(actor=actor))
    registered = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            registered = _call(services.webhook_subscription_register, actor=actor, department_id=data["department"],
                               name=data["name"], url=data["url"], topics=data["topics"])
        except DomainError as error:
            form.add_error(None, error.message)
            for issue in error.issues:
                if issue.field in form.fields:
                    form.add_error(issue.field, issue.message)
    return render(request, "exchange/subscription_new.html", {"staff": actor, "form": form, "registered": registered})


def _positive_int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isascii() and raw.isdigit() and 0 < int(raw) < 2**31 else None


@never_cache
@login_required(login_url=STAFF_LOGIN)
def subscription_detail(request: HttpRequest, subscription_id: int) -> HttpResponse:
    """One subscription with its delivery log (推送记录), newest first, filterable by status."""
    actor = _administrator(request, "exchange.webhook.view")
    subscription = _call(services.webhook_subscription_open, actor=actor, subscription_id=subscription_id)
    status = request.GET.get("status") or ""
    if status not in DeliveryStatus.values:
        status = ""
    deliveries = selectors.webhook_delivery_list_for_subscription(actor=actor, subscription_id=subscription.pk,
                                                                  status=status or None)
    querystring = urlencode({"status": status}) if status else ""
    return render(request, "exchange/subscription.html", {
        "staff": actor, "subscription": subscription, "status": status, "statuses": DeliveryStatus.choices,
        "page": Paginator(deliveries, PAGE_SIZE).get_page(request.GET.get("page")), "querystring": querystring})


@never_cache
@login_required(login_url=STAFF_LOGIN)
@require_POST
def subscription_active(request: HttpRequest, subscription_id: int) -> HttpResponse:
    actor = _administrator(request, "exchange.webhook.activate")
    active = request.POST.get("active") == "1"
    _call(services.webhook_subscription_set_active, actor=actor, subscription_id=subscription_id, active=active)
    messages.success(request, _("已启用该事件订阅。") if active else _("已停用该事件订阅，推送将暂停，直到重新启用。"))
    return redirect("exchange_admin:subscription", subscription_id=subscription_id)


@never_cache
@login_required(login_url=STAFF_LOGIN)
@require_http_methods(["GET", "POST"])
def subscription_rotate_secret(request: HttpRequest, subscription_id: int) -> HttpResponse:
    """更换签名密钥: a confirmation, then the new secret, shown once."""
    actor = _administrator(request, "exchange.webhook.rotate_secret")
    subscription = _call(services.webhook_subscription_open, actor=actor, subscription_id=subscription_id)
    rotated = None
    if request.method == "POST":
        rotated = _call(services.webhook_subscription_rotate_secret, actor=actor, subscription_id=subscription.pk)
    return render(request, "exchange/subscription_secret.html", {
        "staff": actor, "subscription": subscription, "rotated": rotated})


@never_cache
@login_required(login_url=STAFF_LOGIN)
def dead_letters(request: HttpRequest) -> HttpResponse:
    """死信: deliveries given up after the last retry, with the reason and a replay button."""
    actor = _administrator(request, "exchange.webhook.dead_letters")
    rows = selectors.webhook_delivery_dead_list_for_staff(actor=actor)
    return render(request, "exchange/dead_letters.html", {
        "staff": actor, "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")), "querystring": ""})


@never_cache
@login_required(login_url=STAFF_LOGIN)
@require_http_methods(["GET", "POST"])
def delivery_replay(request: HttpRequest, delivery_id: int) -> HttpResponse:
    """重新投递: the failure and a confirmation button (GET), then the replay (POST, audited)."""
    actor = _administrator(request, "exchange.webhook.replay")
    delivery = _call(services.webhook_delivery_open, actor=actor, delivery_id=delivery_id)
    error = ""
    if request.method == "POST":
        try:
            _call(services.webhook_delivery_replay, actor=actor, delivery_id=delivery.pk)
        except DomainError as refused:
            error = refused.message
        else:
            messages.success(request, _("已重新投递，结果见推送记录。操作已记入审计日志。"))
            return redirect("exchange_admin:dead_letters")
    return render(request, "exchange/replay_confirm.html", {"staff": actor, "delivery": delivery, "error": error})
