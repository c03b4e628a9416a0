"""URL patterns of the licences area: license_admin pages (included by tongban.web.urls)."""

from django.urls import URLPattern, path

from tongban.web.views import license_admin as views

urlpatterns: list[URLPattern] = [
    path("workbench/licenses/", views.license_list, name="wb_licenses"),
    path("workbench/licenses/types/", views.license_types, name="wb_license_types"),
    path("workbench/licenses/import/", views.license_import, name="wb_license_import"),
    path("workbench/licenses/import/<int:batch_id>/", views.license_import_report, name="wb_license_import_report"),
    path("workbench/licenses/<int:license_id>/", views.license_detail, name="wb_license"),
    path("workbench/licenses/<int:license_id>/pdf/", views.license_pdf, name="wb_license_pdf"),
    path("workbench/licenses/<int:license_id>/reissue/", views.license_reissue, name="wb_license_reissue"),
    path("workbench/licenses/<int:license_id>/<slug:transition>/", views.license_action, name="wb_license_action"),
]
