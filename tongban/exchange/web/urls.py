"""Workbench pages for webhook subscriptions, included at ``/workbench/exchange/``."""

from django.urls import path

from tongban.exchange.web import views

app_name = "exchange_admin"
urlpatterns = [
    path("", views.subscription_list, name="subscriptions"),
    path("new/", views.subscription_new, name="subscription_new"),
    path("<int:subscription_id>/", views.subscription_detail, name="subscription"),
    path("<int:subscription_id>/active/", views.subscription_active, name="subscription_active"),
    path("<int:subscription_id>/secret/", views.subscription_rotate_secret, name="subscription_secret"),
    path("dead/", views.dead_letters, name="dead_letters"),
    path("deliveries/<int:delivery_id>/replay/", views.delivery_replay, name="delivery_replay"),
]
