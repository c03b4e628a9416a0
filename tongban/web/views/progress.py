"""办件进度查询 without signing in: the case number and the applicant's exact name give the minimum (item, status,
day of the last change). Never tells whether a number exists: a wrong name and an unknown number both answer
"没有找到". Limited per client address: after :data:`CAPTCHA_AFTER` lookups in the window the image captcha is asked,
after :data:`MAX_PER_WINDOW` lookups are refused until the window ends.

The counters live in Django's cache (``CACHES``): with several server processes, configure a shared cache
(e.g. Redis or the database cache) so that the limit holds across them; the default local-memory cache counts
per process.
"""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tongban.cases import selectors as case_selectors
from tongban.core.http import client_ip
from tongban.identity.captcha import captcha_check

WINDOW_SECONDS = 3600
CAPTCHA_AFTER = 3
MAX_PER_WINDOW = 30
CACHE_PREFIX = "tongban:progress-lookup:"
NOT_FOUND = gettext_lazy("没有找到。请核对办件编号和申请人名称（须与申请时完全一致，法人为单位全称）。")


def _counter_key(request: HttpRequest) -> str:
    return CACHE_PREFIX + (client_ip(request) or "unknown")


def lookups_used(request: HttpRequest) -> int:
    return int(cache.get(_counter_key(request), 0))


def _count(request: HttpRequest) -> int:
    key = _counter_key(request)
    cache.add(key, 0, timeout=WINDOW_SECONDS)  # the window starts with the first lookup
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS)
        return 1


@never_cache
@require_http_methods(["GET", "POST"])
def progress_lookup(request: HttpRequest) -> HttpResponse:
    used = lookups_used(request)
    context: dict[str, object] = {"case_number": "", "applicant_name": "", "result": None, "error": "",
                                  "needs_captcha": used >= CAPTCHA_AFTER}
    status = 200
    if request.method == "POST":
        number = (request.POST.get("case_number") or "").strip()[:64]
        name = (request.POST.get("applicant_name") or "").strip()[:200]
        context.update(case_number=number, applicant_name=name)
        if used >= MAX_PER_WINDOW:
            context["error"] = _("查询过于频繁，请一小时后再试。")
            status = 429
        elif not number or not name:
            context["error"] = _("请填写办件编号和申请人名称。")
        elif used >= CAPTCHA_AFTER and not captcha_check(request.session, request.POST.get("captcha", "")):
            context["error"] = _("图形验证码不正确或已过期，请看新图片重新输入（不区分大小写）。")
        else:
            used = _count(request)
            result = case_selectors.case_progress_lookup(case_number=number, applicant_name=name)
            context["result"] = result
            if result is None:
                context["error"] = str(NOT_FOUND)
        context["needs_captcha"] = used >= CAPTCHA_AFTER
    return render(request, "web/progress.html", context, status=status)
