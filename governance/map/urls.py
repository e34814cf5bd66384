"""Routes of the accountability map (web UI)."""

from django.urls import path

from governance.map import views as map_views

app_name = "map"

urlpatterns = [
    path("map/", map_views.map_page, name="map"),
    path("map/export.csv", map_views.map_csv, name="csv"),
]
