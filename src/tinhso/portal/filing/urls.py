"""Filing online and my dossiers (signed-in citizens); their notices are the notice service's list."""

from django.urls import path

from tinhso.portal.filing import views

app_name = "filing"

urlpatterns = [
    path("nop-ho-so/<str:code>/", views.start, name="start"),
    path("nop-ho-so/ban-nhap/<int:pk>/buoc/<slug:step>/", views.draft_step, name="draft-step"),
    path("nop-ho-so/ban-nhap/<int:pk>/tep/<int:file_id>/xoa/", views.draft_file_delete, name="draft-file-delete"),
    path("nop-ho-so/ban-nhap/<int:pk>/xoa/", views.draft_delete, name="draft-delete"),
    path("nop-ho-so/da-nop/<str:code>/", views.submitted, name="submitted"),
    path("ho-so-cua-toi/", views.my_dossiers, name="my-dossiers"),
    path("ho-so-cua-toi/<str:code>/", views.my_dossier, name="my-dossier"),
    path("ho-so-cua-toi/<str:code>/bo-sung/", views.answer_supplement, name="answer-supplement"),
    path("ho-so-cua-toi/<str:code>/mau-<str:number>.pdf", views.dossier_form, name="dossier-form"),
    path("ho-so-cua-toi/<str:code>/tai-lieu/<int:pk>/", views.dossier_document, name="dossier-document"),
]
