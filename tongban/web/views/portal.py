"""Citizen and enterprise pages: home, browse, item guides, bundles and search. All work without JavaScript."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from tongban.catalog import selectors as catalog
from tongban.directory.interface import ExerciseLevel
from tongban.directory.selectors import hall_list, region_get, region_list_sites
from tongban.search.selectors import search_items
from tongban.web.labels import DEPARTMENT_CATEGORIES, item_facts
from tongban.web.site import (
    AUDIENCE_COOKIE,
    CARE_COOKIE,
    SITE_COOKIE,
    care_mode,
    current_audience,
    current_site,
    remember,
)
from tongban.web.views.apply import bundle_online, online_implementation_codes

PAGE_SIZE = 20
LEVEL_FILTERS = [(ExerciseLevel.PROVINCE, gettext_lazy("省级")), (ExerciseLevel.PREFECTURE, gettext_lazy("市（州）级")),
                 (ExerciseLevel.COUNTY, gettext_lazy("县（市、区）级"))]


def _back(request: HttpRequest, fallback: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or request.headers.get("Referer") or fallback
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return fallback
    return target


def home(request: HttpRequest) -> HttpResponse:
    site = current_site(request)
    audience = current_audience(request)
    items = catalog.item_list_published(audience=audience, site_region_codes=site.region_codes)
    response = render(request, "web/home.html", {
        "high_frequency": items[: 6 if care_mode(request) else 12],
        "themes": catalog.theme_list(audience=audience),
        "life_events": catalog.life_event_list(audience=audience),
        "bundles": catalog.bundle_list(audience=audience),
        "item_count": items.count(),
    })
    if "audience" in request.GET:
        remember(response, AUDIENCE_COOKIE, audience)
    return response


@require_http_methods(["GET", "POST"])
def switch_site(request: HttpRequest) -> HttpResponse:
    """站点切换: a form (no JavaScript needed) that remembers the chosen site in a cookie."""
    code = request.POST.get("site") or request.GET.get("site")
    if code:
        region = region_get(code=code)
        if region is None or region.level > 3:
            return render(request, "web/site_switch.html", {"sites": region_list_sites(),
                                                            "error": _("没有找到这个站点，请从列表中选择。")}, status=400)
        response = HttpResponseRedirect(_back(request))
        remember(response, SITE_COOKIE, region.code)
        return response
    return render(request, "web/site_switch.html", {"sites": region_list_sites(), "next": _back(request)})


@require_http_methods(["POST"])
def toggle_care(request: HttpRequest) -> HttpResponse:
    """关怀模式 / 长辈模式 on or off, remembered in the browser."""
    response = HttpResponseRedirect(_back(request))
    remember(response, CARE_COOKIE, "0" if request.COOKIES.get(CARE_COOKIE) == "1" else "1")
    return response


def _paginate(request: HttpRequest, queryset: Any) -> Any:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def browse(request: HttpRequest) -> HttpResponse:
    """Browse by theme, department, life event and level, within the current site."""
    site = current_site(request)
    audience = current_audience(request)
    filters = {
        "theme": request.GET.get("theme") or None,
        "life_event": request.GET.get("life_event") or None,
        "department_category": request.GET.get("department") or None,
        "level": request.GET.get("level") or None,
    }
    if filters["level"] and filters["level"] not in ExerciseLevel.values:
        filters["level"] = None
    items = catalog.item_list_published(audience=audience if not (filters["theme"] or filters["life_event"])
                                        else None, site_region_codes=site.region_codes, **filters)
    themes = catalog.theme_list()
    events = catalog.life_event_list()
    title = _("全部事项")
    if filters["theme"]:
        title = next((t.name for t in themes if t.code == filters["theme"]), title)
    elif filters["life_event"]:
        title = next((e.name for e in events if e.code == filters["life_event"]), title)
    elif filters["department_category"]:
        title = DEPARTMENT_CATEGORIES.get(filters["department_category"], title)
    elif filters["level"]:
        title = f"{dict(LEVEL_FILTERS)[filters['level']]}{_('事项')}"
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "web/browse.html", {
        "page": _paginate(request, items), "title": title, "filters": filters,
        "themes": [t for t in themes if t.audience == audience], "life_events": [e for e in events if e.audience == audience],
        "departments": DEPARTMENT_CATEGORIES, "levels": LEVEL_FILTERS, "querystring": query.urlencode(),
    })


def departments(request: HttpRequest) -> HttpResponse:
    return render(request, "web/departments.html", {"departments": DEPARTMENT_CATEGORIES})


def item_guide(request: HttpRequest, basic_code: str) -> HttpResponse:
    """The item guide (办事指南) in plain language, with where it is handled on the current site."""
    item = catalog.item_get_published(basic_code=basic_code)
    if item is None or item.current_version is None:
        raise Http404(_("没有找到这个事项，它可能已暂停或取消。"))
    site = current_site(request)
    local = list(catalog.implementation_list_for_item(item=item, site_region_codes=site.region_codes))
    return render(request, "web/item_guide.html", {
        "item": item, "v": item.current_version, "facts": item_facts(item.current_version),
        "implementations": local, "online_codes": online_implementation_codes(local),
        "elsewhere": not local and catalog.implementation_list_for_item(item=item).exists(),
    })


def implementation_guide(request: HttpRequest, code: str) -> HttpResponse:
    impl = catalog.implementation_get_published(code=code)
    if impl is None or impl.current_version is None or impl.item.current_version is None:
        raise Http404(_("没有找到这个实施清单。"))
    return render(request, "web/item_guide.html", {
        "item": impl.item, "v": impl.item.current_version, "facts": item_facts(impl.item.current_version),
        "impl": impl, "local": impl.current_version, "implementations": [impl],
        "online_codes": online_implementation_codes([impl]),
    })


def implementations_elsewhere(request: HttpRequest, basic_code: str) -> HttpResponse:
    item = catalog.item_get_published(basic_code=basic_code)
    if item is None:
        raise Http404(_("没有找到这个事项。"))
    return render(request, "web/implementations.html", {
        "item": item, "page": _paginate(request, catalog.implementation_list_for_item(item=item))})


def bundle_detail(request: HttpRequest, code: str) -> HttpResponse:
    bundle = catalog.bundle_get(code=code)
    if bundle is None:
        raise Http404(_("没有找到这件“一件事”。"))
    members = list(bundle.members.all())
    # 一套材料: the members' required materials, each named once.
    materials = list(dict.fromkeys(
        m.name for member in members for m in member.item.current_version.materials.all() if m.required))
    return render(request, "web/bundle.html", {"bundle": bundle, "members": members, "materials": materials,
                                               "online": bundle_online(bundle.code)})


def halls(request: HttpRequest) -> HttpResponse:
    """政务服务中心 and 便民服务中心 in the current site, with their windows."""
    site = current_site(request)
    return render(request, "web/halls.html", {"page": _paginate(request, hall_list(within=site.code))})


def bundles(request: HttpRequest) -> HttpResponse:
    return render(request, "web/bundles.html", {"bundles": catalog.bundle_list()})


def search(request: HttpRequest) -> HttpResponse:
    """Search within the site; when nothing is handled here, show matches from other levels too."""
    site = current_site(request)
    query = (request.GET.get("q") or "").strip()[:100]
    try:
        page_number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page_number = 1
    size = settings.SEARCH_RESULTS_PER_PAGE
    result = search_items(query=query, site_region_codes=site.region_codes, limit=size,
                          offset=(page_number - 1) * size)
    elsewhere = None
    if query and not result.total:
        other = search_items(query=query, limit=size)
        elsewhere = other if other.total else None
    return render(request, "web/search.html", {
        "q": query, "result": result, "elsewhere": elsewhere, "page_number": page_number,
        "has_next": result.total > page_number * size, "has_previous": page_number > 1,
    })
