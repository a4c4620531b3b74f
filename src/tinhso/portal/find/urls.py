from django.urls import path

from tinhso.portal.find import views

urlpatterns = [
    path("", views.home, name="home"),
    path("thu-tuc/", views.procedure_list, name="portal-procedures"),
    path("thu-tuc/co-quan/", views.agency_list, name="portal-agencies"),
    path("thu-tuc/<str:code>/", views.procedure_detail, name="portal-procedure"),
    path("thu-tuc/<str:code>/mau-don/<int:pk>/", views.procedure_template, name="portal-procedure-template"),
    path("tra-cuu/", views.track, name="portal-track"),
    path("tra-cuu/<str:code>/", views.track_dossier, name="portal-track-dossier"),
    path("tra-cuu/<str:code>/mau-<str:number>.pdf", views.track_form, name="portal-track-form"),
    path("tra-cuu/<str:code>/tai-lieu/<int:pk>/", views.track_document, name="portal-track-document"),
    path("tra-cuu/<str:code>/ket-qua/", views.track_results, name="portal-track-results"),
    path("tra-cuu/<str:code>/ket-qua/<int:pk>/", views.track_result_document, name="portal-track-result"),
]
