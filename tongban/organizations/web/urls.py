"""Legal-person pages; included by the project at ``/org/`` under the namespace "organizations"."""

from django.urls import path

from tongban.organizations.web import views

app_name = "organizations"

urlpatterns = [
    path("", views.index, name="index"),
    path("register/", views.register, name="register"),
    path("confirmations/", views.confirmations, name="confirmations"),
    path("login/", views.login_view, name="login"),
    path("login/certificate/", views.login_certificate, name="login_certificate"),
    path("<int:org_id>/", views.home, name="home"),
    path("<int:org_id>/agents/", views.agents, name="agents"),
    path("<int:org_id>/agents/<int:authorization_id>/revoke/", views.agent_revoke, name="agent_revoke"),
    path("<int:org_id>/keys/", views.keys, name="keys"),
    path("<int:org_id>/keys/<int:key_id>/revoke/", views.key_revoke, name="key_revoke"),
]
