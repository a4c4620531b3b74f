"""The in-app list of notices and the deliveries administrators follow."""

from django.urls import path

from tinhso.common.notices import views

app_name = "notices"

urlpatterns = [
    path("thong-bao/", views.inbox, name="inbox"),
    path("thong-bao/<int:pk>/da-doc/", views.read, name="read"),
    path("thong-bao/da-doc-tat-ca/", views.read_all, name="read-all"),
    path("thong-bao/gui/", views.deliveries, name="deliveries"),
    path("thong-bao/gui/<int:pk>/gui-lai/", views.resend, name="resend"),
]
