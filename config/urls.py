"""Top-level URLs: the API under /api/, its schema and docs, the admin and the web UI; MLflow's
registry API under /api/2.0/mlflow/ (and /ajax-api/2.0/mlflow/) and OpenLineage's
/api/v1/lineage for the clients engineers already use."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    # Before the v1 routers: OpenLineage's path has no trailing slash.
    path("", include("integrations.openlineage.urls")),
    path("api/2.0/mlflow/", include("integrations.mlflow.urls", namespace="mlflow")),
    path("ajax-api/2.0/mlflow/", include("integrations.mlflow.urls", namespace="mlflow-ajax")),
    path("api/v1/", include("config.api_urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("governance.map.urls")),
    path("", include("governance.urls")),
    path("", include("registry.urls")),
]

# JSON under /api/, Steward's readable pages (templates/403.html, 404.html) elsewhere.
handler404 = "registry.api.errors.not_found"
handler403 = "registry.api.errors.permission_denied"
