"""URL patterns of the licences area: 我的证照 (wallet, 亮证, consents), public 证照核验, and the workbench's
一证通办 and 用证申请 (included by tongban.web.urls)."""

from django.urls import URLPattern, path

from tongban.web.views import license_lookup, verify, wallet

urlpatterns: list[URLPattern] = [
    path("my/licenses/", wallet.wallet_list, name="wallet"),
    path("my/licenses/<int:license_id>/", wallet.wallet_detail, name="wallet_detail"),
    path("my/licenses/<int:license_id>/download/", wallet.wallet_download, name="wallet_download"),
    path("my/licenses/<int:license_id>/show/", wallet.wallet_show, name="wallet_show"),
    path("my/licenses/<int:license_id>/token.json", wallet.wallet_token, name="wallet_token"),
    path("my/licenses/<int:license_id>/<slug:log>/", wallet.wallet_records, name="wallet_records"),
    path("my/licenses/consents/<int:consent_id>/", wallet.wallet_consent, name="wallet_consent"),
    path("verify/", verify.verify_form, name="verify"),
    path("verify/t/<str:token>/", verify.verify_token, name="verify_token"),
    path("verify/<str:identifier>/", verify.verify_identifier, name="verify_identifier"),
    path("workbench/license-lookup/", license_lookup.lookup, name="wb_license_lookup"),
    path("workbench/license-consents/", license_lookup.consent_list, name="wb_license_consents"),
    path("workbench/license-consents/new/", license_lookup.consent_new, name="wb_license_consent_new"),
    path("workbench/license-consents/<int:consent_id>/", license_lookup.consent_detail,
         name="wb_license_consent"),
]
