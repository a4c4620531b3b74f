"""The document registers under /van-ban/."""

from django.urls import path

from tinhso.documents import views

app_name = "documents"

urlpatterns = [
    path("", views.home, name="home"),
    path("di/", views.outgoing, name="outgoing"),
    path("di/ban-hanh/", views.outgoing_new, name="outgoing-new"),
    path("di/<int:pk>/", views.outgoing_detail, name="outgoing-detail"),
    path("di/<int:pk>/thu-hoi/", views.outgoing_revoke, name="outgoing-revoke"),
    path("den/", views.incoming, name="incoming"),
    path("den/vao-so/", views.incoming_new, name="incoming-new"),
    path("den/<int:pk>/", views.incoming_detail, name="incoming-detail"),
    path("den/<int:pk>/<slug:action>/", views.incoming_action, name="incoming-action"),
    path("tep/<int:pk>/", views.attachment, name="attachment"),
]
