"""The current site (省级主站 or a 州市/县 sub-site), audience and elder mode, read from cookies."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse

from tongban.directory.selectors import region_ancestor_codes, region_get

SITE_COOKIE = "tb_site"
CARE_COOKIE = "tb_care"
AUDIENCE_COOKIE = "tb_audience"
PROVINCE_CODE = "530000000000"
COOKIE_AGE = 365 * 24 * 3600
AUDIENCES = ("person", "organization")


@dataclass(frozen=True)
class Site:
    code: str
    name: str
    level: int
    region_codes: list[str]  # the site's region and every region above it

    @property
    def is_province(self) -> bool:
        return self.level == 1


def current_site(request: HttpRequest) -> Site:
    cached = getattr(request, "_tongban_site", None)
    if cached is not None:
        return cached
    code = request.COOKIES.get(SITE_COOKIE, PROVINCE_CODE)
    region = region_get(code=code) if code.isdigit() and len(code) == 12 else None
    if region is None or region.level > 3:
        region = region_get(code=PROVINCE_CODE)
    if region is None:  # no regions loaded yet
        site = Site(code=PROVINCE_CODE, name="云南省", level=1, region_codes=[PROVINCE_CODE])
    else:
        site = Site(code=region.code, name=region.name, level=region.level, region_codes=region_ancestor_codes(region))
    request._tongban_site = site  # type: ignore[attr-defined]
    return site


def current_audience(request: HttpRequest) -> str:
    value = request.GET.get("audience") or request.COOKIES.get(AUDIENCE_COOKIE, "person")
    return value if value in AUDIENCES else "person"


def care_mode(request: HttpRequest) -> bool:
    return request.COOKIES.get(CARE_COOKIE) == "1"


def remember(response: HttpResponse, name: str, value: str) -> None:
    response.set_cookie(name, value, max_age=COOKIE_AGE, samesite="Lax", httponly=False)
