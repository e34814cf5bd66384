"""/api/v1/ routes (DESIGN.md's public contract)."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import audit_views, cost_views, views

router = DefaultRouter()
router.register("auth/tokens", views.TokenViewSet, basename="token")
router.register("users", views.UserViewSet, basename="user")
router.register("teams", views.TeamViewSet, basename="team")
router.register("systems", views.SystemViewSet, basename="system")
router.register("models", views.ModelViewSet, basename="model")
router.register("model-versions", views.ModelVersionViewSet, basename="modelversion")
router.register("datasets", views.DatasetViewSet, basename="dataset")
router.register("lineage-edges", views.LineageEdgeViewSet, basename="lineageedge")
router.register("incidents", views.IncidentViewSet, basename="incident")
router.register("audit-events", audit_views.AuditEventViewSet, basename="auditevent")

urlpatterns = [
    path("users/me/", views.MeView.as_view(), name="me"),
    path(
        "systems/<int:system_pk>/costs/",
        cost_views.SystemCostList.as_view(),
        name="system-costs",
    ),
    path("", include(router.urls)),
]
