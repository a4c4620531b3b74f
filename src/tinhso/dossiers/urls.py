"""The officer desk under /mot-cua/ (Bộ phận Một cửa)."""

from django.urls import path

from tinhso.dossiers import navigation, views

# The desk's menu entries are registered when its URLs load (the app config belongs to the engine).
navigation.register_entries()

app_name = "dossiers"

urlpatterns = [
    path("", views.desk, name="desk"),
    path("tiep-nhan/", views.reception, name="reception"),
    path("so-theo-doi/", views.register, name="register"),
    path("tiep-nhan/xa-phuong/", views.commune_options, name="communes"),
    path("ho-so/<str:code>/", views.dossier_page, name="dossier"),
    path("ho-so/<str:code>/thao-tac/<slug:action>/", views.dossier_action, name="action"),
    path("ho-so/<str:code>/tai-lieu/<int:pk>/", views.document_download, name="document"),
    path("ho-so/<str:code>/mau-<str:number>.pdf", views.print_form, name="print"),
]
