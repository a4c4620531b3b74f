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
    path("di/<int:pk>/ban-hanh/", views.outgoing_issue, name="outgoing-issue"),
    path("di/<int:pk>/xoa/", views.outgoing_discard, name="outgoing-discard"),
    path("den/", views.incoming, name="incoming"),
    path("den/vao-so/", views.incoming_new, name="incoming-new"),
    path("den/<int:pk>/", views.incoming_detail, name="incoming-detail"),
    path("den/<int:pk>/luu-tru/", views.incoming_archive, name="incoming-archive"),
    path("den/<int:pk>/<slug:action>/", views.incoming_action, name="incoming-action"),
    path("di/<int:pk>/luu-tru/", views.outgoing_archive, name="outgoing-archive"),
    path("luu-tru/", views.archive_list, name="archive"),
    path("luu-tru/<int:pk>/", views.archive_detail, name="archive-detail"),
    path("luu-tru/<int:pk>/tep/<int:file_pk>/", views.archive_file, name="archive-file"),
    path("luu-tru/tieu-huy/", views.disposal_list, name="disposal"),
    path("luu-tru/tieu-huy/lap/", views.disposal_propose, name="disposal-propose"),
    path("luu-tru/tieu-huy/<int:pk>/", views.disposal_detail, name="disposal-detail"),
    path("tep/<int:pk>/", views.attachment, name="attachment"),
]
