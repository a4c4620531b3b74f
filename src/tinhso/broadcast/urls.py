"""The grassroots radio under /truyen-thanh/."""

from django.urls import path

from tinhso.broadcast import views

app_name = "broadcast"

urlpatterns = [
    path("", views.home, name="home"),
    path("xa/<str:code>/", views.commune, name="commune"),
    path("ban-do/thiet-bi.geojson", views.devices_geojson, name="devices-geojson"),
    path("ban-tin/", views.bulletins, name="bulletins"),
    path("ban-tin/<int:pk>/<slug:decision>/", views.decide_bulletin, name="decide-bulletin"),
    path("ban-tin/<int:pk>/am-thanh.mp3", views.bulletin_audio, name="bulletin-audio"),
    path("ban-tin/<int:pk>/anh-hien-thi", views.bulletin_image, name="bulletin-image"),
    path("lich-phat/", views.schedules, name="schedules"),
    path("lich-phat/<int:pk>/<slug:decision>/", views.decide_schedule, name="decide-schedule"),
    path("khan-cap/", views.emergencies, name="emergencies"),
    path("khan-cap/cap/", views.cap_upload, name="cap-upload"),
    path("khan-cap/<int:pk>/", views.emergency, name="emergency"),
    path("khan-cap/<int:pk>/tien-do.json", views.emergency_progress, name="emergency-progress"),
    path("khan-cap/<int:pk>/<slug:action>/", views.emergency_action, name="emergency-action"),
    path("truc-tiep/", views.live_broadcasts, name="live-broadcasts"),
    path("truc-tiep/micro/", views.live_microphone, name="live-microphone"),
    path("truc-tiep/gio.json", views.live_clock, name="live-clock"),
    path("truc-tiep/<int:pk>/", views.live_session, name="live"),
    path("truc-tiep/<int:pk>/am-thanh", views.live_chunk, name="live-chunk"),
    path("truc-tiep/<int:pk>/tien-do.json", views.live_progress, name="live-progress"),
    path("truc-tiep/<int:pk>/ket-thuc/", views.live_end, name="live-end"),
    path("bao-cao-thang/", views.monthly_report, name="monthly-report"),
    path("cap/feed.xml", views.cap_feed, name="cap-feed"),
    path("cap/<int:pk>.xml", views.cap_alert, name="cap-alert"),
]
