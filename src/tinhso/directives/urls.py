"""The task register under /chi-dao/."""

from django.urls import path

from tinhso.directives import views

app_name = "directives"

urlpatterns = [
    path("", views.register, name="register"),
    path("nhiem-vu/<int:pk>/", views.task, name="task"),
    path("nhiem-vu/<int:pk>/<slug:action>/", views.task_action, name="task-action"),
    path("gia-han/<int:pk>/<slug:decision>/", views.decide_extension, name="decide-extension"),
    path("van-ban/moi/", views.new_directive, name="new-directive"),
    path("nhap/", views.import_page, name="import"),
    path("nhap/mau.xlsx", views.import_template, name="import-template"),
    path("bao-cao-thang/", views.monthly_report, name="monthly-report"),
]
