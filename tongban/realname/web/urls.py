"""Real-name verification pages; the platform includes them at ``/account/realname/``."""

from django.urls import path

from tongban.realname.web import views

app_name = "realname"

urlpatterns = [
    path("", views.routes, name="routes"),
    path("population/", views.population, name="population"),
    path("bankcard/", views.bankcard, name="bankcard"),
    path("face/", views.face, name="face"),
    path("manual/", views.manual, name="manual"),
    path("mine/", views.mine, name="mine"),
    path("correction/", views.correction, name="correction"),
    path("review/", views.review_queue, name="review_queue"),
    path("review/<int:pk>/", views.review_detail, name="review_detail"),
    path("review/<int:pk>/image/<str:kind>/", views.review_image, name="review_image"),
    path("corrections/", views.correction_queue, name="correction_queue"),
    path("corrections/<int:pk>/", views.correction_detail, name="correction_detail"),
    path("corrections/<int:pk>/image/", views.correction_image, name="correction_image"),
]
