"""URL patterns of the licences area: license_admin pages (included by tongban.web.urls)."""

from django.urls import URLPattern, path  # noqa: F401

urlpatterns: list[URLPattern] = []
