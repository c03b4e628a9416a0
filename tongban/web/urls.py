from django.contrib.auth import views as auth_views
from django.urls import path

from tongban.web.views import portal, workbench

app_name = "web"
urlpatterns = [
    path("", portal.home, name="home"),
    path("site/", portal.switch_site, name="switch_site"),
    path("care/", portal.toggle_care, name="toggle_care"),
    path("items/", portal.browse, name="browse"),
    path("items/<str:basic_code>/", portal.item_guide, name="item_guide"),
    path("items/<str:basic_code>/places/", portal.implementations_elsewhere, name="implementations"),
    path("guide/<str:code>/", portal.implementation_guide, name="implementation_guide"),
    path("departments/", portal.departments, name="departments"),
    path("bundles/", portal.bundles, name="bundles"),
    path("halls/", portal.halls, name="halls"),
    path("bundles/<slug:code>/", portal.bundle_detail, name="bundle"),
    path("search/", portal.search, name="search"),
    path("workbench/login/", workbench.StaffLoginView.as_view(), name="staff_login"),
    path("workbench/logout/", auth_views.LogoutView.as_view(next_page="/"), name="staff_logout"),
    path("workbench/", workbench.staff_home, name="staff_home"),
    path("workbench/items/", workbench.item_list, name="wb_items"),
    path("workbench/items/new/", workbench.item_new, name="wb_item_new"),
    path("workbench/items/<int:item_id>/", workbench.item_detail, name="wb_item"),
    path("workbench/items/<int:item_id>/edit/", workbench.item_edit, name="wb_item_edit"),
    path("workbench/items/<int:item_id>/draft/", workbench.item_draft, name="wb_item_draft"),
    path("workbench/items/<int:item_id>/classify/", workbench.item_classify, name="wb_item_classify"),
    path("workbench/synonyms/", workbench.synonyms, name="wb_synonyms"),
    path("workbench/items/<int:item_id>/diff/", workbench.item_diff, name="wb_item_diff"),
    path("workbench/items/<int:item_id>/versions/<int:number>/", workbench.item_version, name="wb_item_version"),
    path("workbench/items/<int:item_id>/<slug:action>/", workbench.item_action, name="wb_item_action"),
    path("workbench/implementations/", workbench.implementation_list, name="wb_implementations"),
    path("workbench/implementations/<int:implementation_id>/", workbench.implementation_edit,
         name="wb_implementation"),
    path("workbench/implementations/<int:implementation_id>/draft/", workbench.implementation_draft,
         name="wb_implementation_draft"),
    path("workbench/implementations/<int:implementation_id>/<slug:action>/", workbench.implementation_action,
         name="wb_implementation_action"),
]
