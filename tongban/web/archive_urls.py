"""URL patterns of the licences area: archive pages (included by tongban.web.urls)."""

from django.urls import URLPattern, path  # noqa: F401

urlpatterns: list[URLPattern] = []
