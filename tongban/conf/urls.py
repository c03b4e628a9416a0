from django.contrib import admin
from django.urls import include, path

from tongban.api.urls import api
from tongban.core.views import healthz, readyz
from tongban.oidc.urls import well_known_urlpatterns

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("api/v1/", api.urls),
    path("django-admin/", admin.site.urls),
    path("account/realname/", include("tongban.realname.web.urls")),
    path("org/", include("tongban.organizations.web.urls")),
    path("oidc/", include("tongban.oidc.urls")),
    path("workbench/oidc/", include("tongban.oidc.web.urls")),
    path("workbench/exchange/", include("tongban.exchange.web.urls")),
    path("", include(well_known_urlpatterns)),
    path("", include("tongban.web.urls")),
]
