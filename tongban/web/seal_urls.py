"""URL patterns of the licences area: seal pages (included by tongban.web.urls)."""

from django.urls import URLPattern, path  # noqa: F401

urlpatterns: list[URLPattern] = []
