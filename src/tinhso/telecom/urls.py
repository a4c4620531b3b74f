"""The telecom registry under /vien-thong/."""

from django.urls import path

from tinhso.telecom import views

app_name = "telecom"

urlpatterns = [
    path("", views.home, name="home"),
    path("ban-do/", views.map_page, name="map"),
    path("ban-do/tram.geojson", views.stations_geojson, name="stations-geojson"),
    path("ban-do/mat-lien-lac.geojson", views.outages_geojson, name="outages-geojson"),
    path("ban-do/thon.geojson", views.villages_geojson, name="villages-geojson"),
    path("ban-do/tuyen-cap.geojson", views.routes_geojson, name="routes-geojson"),
    path("ban-do/vi-tri-quy-hoach.geojson", views.planned_geojson, name="planned-geojson"),
    path("ban-do/khu-vuc.geojson", views.areas_geojson, name="areas-geojson"),
    path("tram/", views.stations, name="stations"),
    path("tram/<int:pk>/", views.station, name="station"),
    path("tram/<int:pk>/trang-thai/", views.station_state, name="station-state"),
    path("tram/<int:pk>/su-co/", views.station_outage, name="station-outage"),
    path("su-co/", views.outages, name="outages"),
    path("thon/", views.villages, name="villages"),
    path("thon/<int:pk>/", views.village, name="village"),
    path("thon-trang-song/", views.uncovered, name="uncovered"),
    path("xa/", views.communes, name="communes"),
    path("tuyen-cap/", views.routes, name="routes"),
    path("diem-dich-vu/", views.service_points, name="service-points"),
    path("quy-hoach/", views.plan, name="plan"),
    path("bao-cao/", views.reports, name="reports"),
    path("bao-cao/<int:pk>/<str:decision>/", views.review_report, name="review-report"),
    path("nhap/", views.import_page, name="import"),
    path("nhap/mau-<slug:kind>.xlsx", views.import_template, name="import-template"),
]
