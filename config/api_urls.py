"""/api/v1/ routes (DESIGN.md's public contract): one router for every capability's resources,
so that the API root lists each collection. Each capability owns its views; this module only
puts them on paths."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from governance.approvals.api import views as approvals
from governance.documents.api import views as documents
from governance.map.api import views as accountability_map
from governance.policies.api import views as policies
from governance.reviews.api import views as reviews
from registry.audit.api import views as audit
from registry.evidence.api import views as evidence
from registry.inventory.api import cost_views
from registry.inventory.api import views as inventory
from registry.pack.api import views as pack
from registry.people.api import views as people

router = DefaultRouter()
# governance
router.register("policies", policies.PolicyViewSet, basename="policy")
router.register("approvals", approvals.ApprovalViewSet, basename="approval")
router.register("deployments", approvals.DeploymentViewSet, basename="deployment")
router.register("reviews", reviews.ReviewViewSet, basename="review")
router.register("findings", reviews.FindingViewSet, basename="finding")
# registry
router.register("auth/tokens", people.TokenViewSet, basename="token")
router.register("users", people.UserViewSet, basename="user")
router.register("teams", people.TeamViewSet, basename="team")
router.register("systems", inventory.SystemViewSet, basename="system")
router.register("models", inventory.ModelViewSet, basename="model")
router.register("model-versions", inventory.ModelVersionViewSet, basename="modelversion")
router.register("datasets", inventory.DatasetViewSet, basename="dataset")
router.register("lineage-edges", inventory.LineageEdgeViewSet, basename="lineageedge")
router.register("incidents", inventory.IncidentViewSet, basename="incident")
router.register("audit-events", audit.AuditEventViewSet, basename="auditevent")
router.register("evidence", evidence.EvidenceViewSet, basename="evidenceitem")

urlpatterns = [
    path(
        "accountability-map/",
        accountability_map.AccountabilityMapView.as_view(),
        name="accountability-map",
    ),
    path("users/me/", people.MeView.as_view(), name="me"),
    path(
        "systems/<int:system_pk>/costs/", cost_views.SystemCostList.as_view(), name="system-costs"
    ),
    # documents (governance.documents): model cards, technical documentation, FRIA,
    # registration data and PDF jobs, on the resources they document
    path(
        "model-versions/<int:pk>/model-card/",
        documents.ModelCardView.as_view(),
        name="model-card",
    ),
    path(
        "model-versions/<int:pk>/model-card/pdf/",
        documents.ModelCardPDFView.as_view(),
        name="model-card-pdf",
    ),
    path(
        "systems/<int:pk>/technical-documentation/",
        documents.TechnicalDocumentationView.as_view(),
        name="technical-documentation",
    ),
    path(
        "systems/<int:pk>/technical-documentation/evidence/",
        documents.SectionEvidenceView.as_view(),
        name="technical-documentation-evidence",
    ),
    path(
        "systems/<int:pk>/technical-documentation/evidence/<int:mapping_pk>/",
        documents.SectionEvidenceDetailView.as_view(),
        name="technical-documentation-evidence-detail",
    ),
    path(
        "systems/<int:pk>/technical-documentation/pdf/",
        documents.TechnicalDocumentationPDFView.as_view(),
        name="technical-documentation-pdf",
    ),
    path(
        "systems/<int:pk>/registration/", documents.RegistrationView.as_view(), name="registration"
    ),
    path("frias/", documents.FRIAListView.as_view(), name="fria-list"),
    path("frias/<int:pk>/", documents.FRIADetailView.as_view(), name="fria-detail"),
    path("frias/<int:pk>/submit/", documents.FRIASubmitView.as_view(), name="fria-submit"),
    path("frias/<int:pk>/signoffs/", documents.FRIASignoffView.as_view(), name="fria-signoffs"),
    path("frias/<int:pk>/pdf/", documents.FRIAPDFView.as_view(), name="fria-pdf"),
    path("document-jobs/<int:pk>/", documents.DocumentJobView.as_view(), name="document-job"),
    path(
        "document-jobs/<int:pk>/pdf/",
        documents.DocumentJobPDFView.as_view(),
        name="document-job-pdf",
    ),
    path(
        "systems/<int:system_pk>/audit-pack/",
        pack.AuditPackView.as_view(),
        name="system-audit-pack",
    ),
    path("", include(router.urls)),
]
