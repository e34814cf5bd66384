"""The OpenLineage HTTP transport posts to ``<url>/api/v1/lineage`` (no trailing slash)."""

from django.urls import path

from integrations.openlineage.views import LineageSlashView, LineageView

urlpatterns = [
    path("api/v1/lineage", LineageView.as_view(), name="openlineage"),
    path("api/v1/lineage/", LineageSlashView.as_view()),
]
