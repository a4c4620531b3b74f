"""The operations centre under /dieu-hanh/ (Trung tâm giám sát, điều hành)."""

from django.urls import path

from tinhso.ioc import navigation, room, views

# The centre's menu entries are registered when its URLs load, as the desk's are.
navigation.register_entries()

app_name = "ioc"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("chi-so/<slug:code>/", views.indicator, name="indicator"),
    path("ho-so/<slug:kind>/", views.dossiers, name="dossiers"),
    path("xep-hang/", views.league, name="league"),
    path("bo-chi-so-766/", views.scorecard, name="scorecard"),
    path("bao-cao/", views.report, name="report"),
    path("so-lieu/", views.reported_values, name="reported"),
    path("so-lieu/<int:pk>/duyet/", views.approve_reported, name="approve"),
    path("so-lieu/<int:pk>/tra-lai/", views.reject_reported, name="reject"),
    path("so-lieu/mau.xlsx", views.reported_template, name="template"),
    path("so-lieu/tai-len/", views.reported_upload, name="upload"),
    path("so-lieu/nhap-cong-bo/", views.reported_import, name="import"),
    # The operations room: the wall, its data, kiosk devices, layouts, the province map and the alerts.
    path("phong/", room.wall_page, name="wall"),
    path("phong/du-lieu/", room.wall_data, name="wall-data"),
    path("phong/kiosk/", room.kiosk, name="kiosk"),
    path("phong/bo-cuc/", room.layouts, name="layouts"),
    path("phong/xa/<str:code>/", room.commune_panel, name="commune"),
    path("phong/ban-do/qua-han.geojson", room.overdue_geojson, name="overdue-geojson"),
    path("phong/ban-do/phan-anh.geojson", room.complaints_geojson, name="complaints-geojson"),
    path("canh-bao/", room.alert_list, name="alerts"),
    path("canh-bao/<int:pk>/tiep-nhan/", room.alert_acknowledge, name="alert-acknowledge"),
    path("canh-bao/<int:pk>/dong/", room.alert_close, name="alert-close"),
    path("canh-bao/quy-tac/", room.rules, name="rules"),
]
