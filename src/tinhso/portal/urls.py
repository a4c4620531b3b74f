from django.urls import include, path

urlpatterns = [
    path("", include("tinhso.portal.find.urls")),
    path("", include("tinhso.portal.filing.urls")),
]
