"""The grassroots radio under /truyen-thanh/."""

from django.urls import path

from tinhso.broadcast import views

app_name = "broadcast"

urlpatterns = [
    path("ban-tin/<int:pk>/am-thanh.mp3", views.bulletin_audio, name="bulletin-audio"),
]
