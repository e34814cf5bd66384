"""Governance routes under /api/v1/ (a SimpleRouter: the registry's router owns the API root)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .. import map_api
from . import review_views, views

router = SimpleRouter()
router.register("policies", views.PolicyViewSet, basename="policy")
router.register("approvals", views.ApprovalViewSet, basename="approval")
router.register("deployments", views.DeploymentViewSet, basename="deployment")
router.register("reviews", review_views.ReviewViewSet, basename="review")
router.register("findings", review_views.FindingViewSet, basename="finding")

urlpatterns = [
    path(
        "accountability-map/",
        map_api.AccountabilityMapView.as_view(),
        name="accountability-map",
    ),
    *router.urls,
]
