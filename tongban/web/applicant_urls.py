"""The applicant's pages (统一申办 + 我的办件 + 办件查询), in the ``web`` namespace (included by tongban.web.urls)."""

from django.urls import path

from tongban.web.views import apply, my_cases, progress

urlpatterns = [
    path("apply/", apply.apply_start, name="apply_start"),
    path("apply/drafts/", apply.draft_list, name="drafts"),
    path("apply/drafts/<int:draft_id>/", apply.draft_page, name="draft"),
    path("apply/drafts/<int:draft_id>/delete/", apply.draft_delete, name="draft_delete"),
    path("my/cases/", my_cases.my_cases, name="my_cases"),
    path("my/cases/<int:case_id>/", my_cases.my_case_detail, name="my_case_detail"),
    path("my/cases/<int:case_id>/receipt/", my_cases.my_case_receipt, name="my_case_receipt"),
    path("my/cases/<int:case_id>/receipt.pdf", my_cases.my_case_receipt_pdf, name="my_case_receipt_pdf"),
    path("my/cases/<int:case_id>/materials/<int:material_id>/", my_cases.my_case_material, name="my_case_material"),
    path("my/cases/<int:case_id>/documents/<int:file_id>/", my_cases.my_case_document, name="my_case_document"),
    path("my/cases/<int:case_id>/supplement/", my_cases.my_case_supplement, name="my_case_supplement"),
    path("my/cases/<int:case_id>/withdraw/", my_cases.my_case_withdraw, name="my_case_withdraw"),
    path("my/messages/", my_cases.notices, name="notices"),
    path("my/messages/read/", my_cases.notices_read, name="notices_read"),
    path("my/messages/<int:notice_id>/", my_cases.notice_open, name="notice_open"),
    path("progress/", progress.progress_lookup, name="progress"),
]
