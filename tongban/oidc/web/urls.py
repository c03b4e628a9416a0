"""Workbench pages for client registration, included at ``/workbench/oidc/``."""

from django.urls import path

from tongban.oidc.web import clients

app_name = "oidc_admin"
urlpatterns = [
    path("", clients.client_list, name="clients"),
    path("new/", clients.client_new, name="client_new"),
]
