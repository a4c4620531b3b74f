"""Ratings and feedback under /phan-anh/: the citizen's pages and the officers' queue (xu-ly/)."""

from django.urls import path

from tinhso.portal.feedback import navigation, views

navigation.register_entries()

app_name = "feedback"

urlpatterns = [
    path("", views.my_complaints, name="mine"),
    path("gui/", views.file_complaint, name="file"),
    path("danh-gia/<str:code>/", views.rate, name="rate"),
    path("xu-ly/", views.officer_queue, name="queue"),
    path("xu-ly/<str:code>/", views.officer_complaint, name="handle"),
    path("xu-ly/<str:code>/<slug:action>/", views.officer_action, name="action"),
    path("<str:code>/", views.complaint, name="complaint"),
    path("<str:code>/danh-gia/", views.complaint_verdict, name="verdict"),
]
