"""URL patterns of the licences area: the workbench's 电子印章 pages and the public signing keys (included by
tongban.web.urls)."""

from django.urls import URLPattern, path

from tongban.web.views import seals

urlpatterns: list[URLPattern] = [
    path("workbench/seals/", seals.seal_list, name="wb_seals"),
    path("workbench/seals/new/", seals.seal_new, name="wb_seal_new"),
    path("workbench/seals/<int:seal_id>/", seals.seal_detail, name="wb_seal"),
    path("workbench/seals/<int:seal_id>/image.png", seals.seal_image, name="wb_seal_image"),
    path("workbench/seals/<int:seal_id>/<slug:transition>/", seals.seal_action, name="wb_seal_action"),
    path("licenses/keys/", seals.signing_keys, name="license_keys"),
    path("licenses/root-ca.pem", seals.root_certificates, name="license_root_ca"),
]
