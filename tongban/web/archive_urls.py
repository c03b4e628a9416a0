"""URL patterns of the licences area: sealed case documents and the electronic archive (included by
tongban.web.urls)."""

from django.urls import URLPattern, path

from tongban.web.views import archives

urlpatterns: list[URLPattern] = [
    path("my/cases/<int:case_id>/sealed-documents/<int:document_id>/", archives.my_case_sealed_document,
         name="my_case_sealed_document"),
    path("workbench/cases/<int:case_id>/sealed-documents/<int:document_id>/", archives.wb_case_sealed_document,
         name="wb_case_sealed_document"),
    path("workbench/archives/", archives.archive_list, name="wb_archives"),
    path("workbench/archives/policies/", archives.archive_policies, name="wb_archive_policies"),
    path("workbench/archives/policies/delete/", archives.archive_policy_delete, name="wb_archive_policy_delete"),
    path("workbench/archives/<int:package_id>/", archives.archive_detail, name="wb_archive"),
    path("workbench/archives/<int:package_id>/verify/", archives.archive_verify, name="wb_archive_verify"),
    path("workbench/archives/<int:package_id>/export.zip", archives.archive_export, name="wb_archive_export"),
]
