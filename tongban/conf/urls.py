from django.contrib import admin
from django.urls import include, path

from tongban.api.urls import api
from tongban.core.views import healthz, readyz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("api/v1/", api.urls),
    path("django-admin/", admin.site.urls),
    path("org/", include("tongban.organizations.web.urls")),
    path("", include("tongban.web.urls")),
]
