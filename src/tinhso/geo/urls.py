from django.urls import path

from tinhso.geo import views

urlpatterns = [
    path("ranh-gioi-xa.geojson", views.commune_boundaries, name="commune-boundaries"),
]
