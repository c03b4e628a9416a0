"""The versioned JSON API (/api/v1/). Endpoints validate input and call services or selectors; errors are structured."""


from typing import Any

from django.db import DatabaseError, connection
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Query, Router
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import LimitOffsetPagination, paginate

from tongban.api import applicant as applicant_api
from tongban.api import cases_callbacks
from tongban.api import identity as identity_api
from tongban.api import licenses as licenses_api
from tongban.api import organizations as organizations_api
from tongban.api import schemas as s
from tongban.catalog import selectors as catalog
from tongban.core.errors import DomainError
from tongban.directory import selectors as directory
from tongban.search.selectors import search_items

api = NinjaAPI(
    title="Tongban API",
    version="1",
    description="通办开放接口：区划、部门、服务主题、生命周期、事项、实施清单、一件事和事项搜索；"
    "统一身份认证：自然人注册、登录（密码、短信验证码）、实名核验、法人注册与登录（密码、数字证书）、经办人授权，"
    "以及应用内单点登录授权（为已登记的接入系统签发 OpenID Connect 授权码）。"
    "登录后以会话令牌调用：Authorization: Bearer <token>（见 docs/api/identity.md）。"
    "部门业务系统以客户端凭证方式获取访问令牌，回传本部门办件的受理、环节、决定、办结和送达（见 docs/api/case-callbacks.md）。"
    "错误响应统一为 {\"error\": {\"code\", \"message\", \"issues\"}}：code 为稳定的类别"
    "（validation_failed、authentication_failed、not_authenticated、not_permitted、not_found、conflict、"
    "too_many_requests、captcha_required、step_up_required、consent_required 等），issues 列出具体原因和字段。",
    urls_namespace="api-v1",
)
ERRORS: dict[int, Any] = {400: s.ErrorOut, 404: s.ErrorOut, 422: s.ErrorOut}


def _error(request: HttpRequest, status: int, code: str, message: str, issues: list[dict[str, str]] | None = None
           ) -> HttpResponse:
    return api.create_response(request, {"error": {"code": code, "message": message, "issues": issues or []}},
                               status=status)


def _category(exc: DomainError) -> str:
    """The stable top-level code: the error's class code (429 is always too_many_requests)."""
    return "too_many_requests" if exc.http_status == 429 else type(exc).code


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    issues = [{"code": i.code, "field": i.field, "message": i.message} for i in exc.issues]
    code = _category(exc)
    if exc.code != code and all(issue["code"] != exc.code for issue in issues):
        issues.insert(0, {"code": exc.code, "field": "", "message": exc.message})  # the specific reason
    return _error(request, exc.http_status, code, exc.message, issues)


@api.exception_handler(AuthenticationError)
def _not_authenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = _error(request, 401, "not_authenticated",
                      "请先登录：请求须带有效的会话令牌（Authorization: Bearer <token>），令牌可能已过期或已退出。")
    response["WWW-Authenticate"] = 'Bearer realm="tongban"'
    return response


def _field(loc: list[Any]) -> str:
    """("query", "limit") → "limit"; a JSON body's ("body", "payload", "phone") → "phone" (the services' names)."""
    parts = loc[2:] if loc[:1] == ["body"] and len(loc) > 2 else loc[1:]
    return ".".join(str(p) for p in parts)


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    issues = [{"code": "invalid", "field": _field(list(e.get("loc", []))), "message": str(e.get("msg", ""))}
              for e in exc.errors]
    return _error(request, 422, "validation_failed", "请求参数不正确。", issues)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", str(exc) or "没有找到。")


def _limit(value: int, unit: str, note: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "note": note}


def _site_codes(region: str | None) -> list[str] | None:
    if not region:
        return None
    found = directory.region_get(code=region)
    if found is None:
        raise Http404(f"区划 {region} 不存在。")
    return directory.region_ancestor_codes(found)


directory_router = Router(tags=["directory"])
catalog_router = Router(tags=["catalog"])
search_router = Router(tags=["search"])


@directory_router.get("/regions", response=list[s.RegionOut], summary="下级区划（不带 parent 时为顶级）")
def regions(request: HttpRequest, parent: str | None = None) -> list[dict[str, Any]]:
    return [{"code": r.code, "name": r.name, "level": r.level, "parent_code": parent}
            for r in directory.region_list_children(code=parent)]


@directory_router.get("/regions/{code}", response={200: s.RegionOut, **ERRORS}, summary="区划详情")
def region(request: HttpRequest, code: str) -> dict[str, Any]:
    found = directory.region_get(code=code)
    if found is None:
        raise Http404(f"区划 {code} 不存在。")
    return {"code": found.code, "name": found.name, "level": found.level,
            "parent_code": found.parent.code if found.parent else None}


@directory_router.get("/departments", response=list[s.DepartmentOut], summary="部门（实施主体）")
@paginate(LimitOffsetPagination)
def departments(request: HttpRequest, region: str | None = None, category: str | None = None) -> Any:
    return directory.department_list(region_code=region, category=category)


@directory_router.get("/halls", response={200: list[s.HallOut], **ERRORS}, summary="政务服务大厅（含窗口），region 为区划代码时含其下级")
@paginate(LimitOffsetPagination)
def halls(request: HttpRequest, region: str | None = None) -> Any:
    if region and directory.region_get(code=region) is None:
        raise Http404(f"区划 {region} 不存在。")
    return directory.hall_list(within=region)


@catalog_router.get("/themes", response=list[s.ThemeOut], summary="服务主题")
def themes(request: HttpRequest, audience: str | None = None) -> Any:
    return list(catalog.theme_list(audience=audience))


@catalog_router.get("/life-events", response=list[s.ThemeOut], summary="生命周期（人生大事 / 企业全生命周期）")
def life_events(request: HttpRequest, audience: str | None = None) -> Any:
    return list(catalog.life_event_list(audience=audience))


class ItemFilters(s.Schema):
    audience: str | None = None
    theme: str | None = None
    life_event: str | None = None
    department: str | None = None
    level: str | None = None
    region: str | None = None


@catalog_router.get("/items", response={200: list[s.ItemSummaryOut], **ERRORS}, summary="已发布事项")
@paginate(LimitOffsetPagination)
def items(request: HttpRequest, filters: Query[ItemFilters]) -> Any:
    qs = catalog.item_list_published(audience=filters.audience, theme=filters.theme, life_event=filters.life_event,
                                     department_category=filters.department, level=filters.level,
                                     site_region_codes=_site_codes(filters.region))
    return qs


@catalog_router.get("/items/{code}", response={200: s.ItemOut, **ERRORS}, summary="事项详情（全部要素与材料）")
def item(request: HttpRequest, code: str) -> dict[str, Any]:
    found = catalog.item_get_published(basic_code=code)
    if found is None or found.current_version is None:
        raise Http404(f"事项 {code} 不存在或未发布。")
    v = found.current_version
    data = {field: getattr(v, field) for field in s.ItemOut.model_fields if hasattr(v, field)}
    data.update({
        "code": found.basic_code, "status": found.status, "department_category": found.department_category,
        "legal_limit": _limit(v.legal_limit_value, v.legal_limit_unit, v.legal_limit_note),
        "promised_limit": _limit(v.promised_limit_value, v.promised_limit_unit, v.promised_limit_note),
        "themes": [t.code for t in found.themes.all()], "life_events": [e.code for e in found.life_events.all()],
        "materials": list(v.materials.all()), "version": v.number,
    })
    return data


@catalog_router.get("/implementations", response={200: list[s.ImplementationOut], **ERRORS}, summary="实施清单")
@paginate(LimitOffsetPagination)
def implementations(request: HttpRequest, item: str | None = None, region: str | None = None,
                    department: int | None = None) -> Any:
    return catalog.implementation_list(item_code=item, region_code=region, department_id=department)


@catalog_router.get("/implementations/{code}", response={200: s.ImplementationOut, **ERRORS}, summary="实施清单详情")
def implementation(request: HttpRequest, code: str) -> Any:
    found = catalog.implementation_get_published(code=code)
    if found is None:
        raise Http404(f"实施清单 {code} 不存在或未发布。")
    return found


@catalog_router.get("/bundles", response=list[s.BundleOut], summary="一件事")
def bundles(request: HttpRequest, audience: str | None = None) -> list[dict[str, Any]]:
    return [_bundle(b) for b in catalog.bundle_list(audience=audience).prefetch_related("members__item")]


@catalog_router.get("/bundles/{code}", response={200: s.BundleOut, **ERRORS}, summary="一件事详情")
def bundle(request: HttpRequest, code: str) -> dict[str, Any]:
    found = catalog.bundle_get(code=code)
    if found is None:
        raise Http404(f"一件事 {code} 不存在。")
    return _bundle(found)


def _bundle(b: Any) -> dict[str, Any]:
    return {"code": b.code, "name": b.name, "audience": b.audience, "summary": b.summary, "guide": b.guide,
            "items": [m.item.basic_code for m in b.members.all()]}


@search_router.get("/search", response={200: s.SearchOut, **ERRORS}, summary="事项搜索（分词、拼音、首字母、繁体、同义词、错别字）")
def search(request: HttpRequest, q: str = "", region: str | None = None, audience: str | None = None,
           limit: int = Query(10, ge=1, le=50), offset: int = Query(0, ge=0, le=1000)) -> dict[str, Any]:
    result = search_items(query=q[:100], site_region_codes=_site_codes(region), audience=audience, limit=limit,
                          offset=offset)
    return {"query": result.query, "normalized": result.normalized, "total": result.total,
            "items": [{"code": h.code, "name": h.name, "score": round(h.score, 4)} for h in result.hits],
            "suggestions": list(result.suggestions)}


@api.get("/ping", include_in_schema=False)
def ping(request: HttpRequest) -> dict[str, str]:
    """A bare endpoint: the baseline of the benchmarks."""
    return {"status": "ok"}


@api.get("/health", include_in_schema=False)
def health(request: HttpRequest) -> Any:
    """Load balancers' probe: the database answers one query (the benchmarks' one-query baseline)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return api.create_response(request, {"status": "unavailable", "code": "database_unavailable"}, status=503)
    return {"status": "ok"}


api.add_router("/", directory_router)
api.add_router("/", catalog_router)
api.add_router("/", search_router)
api.add_router("/identity", identity_api.router)
api.add_router("/organizations", organizations_api.router)
api.add_router("/applicant", applicant_api.router)
api.add_router("/cases/callbacks", cases_callbacks.router)
api.add_router("/licenses", licenses_api.router)
