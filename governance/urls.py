"""Web UI routes of governance: dashboard, my queue, approvals, risk reviews, system and version
pages, and policies."""

from django.urls import path

from governance.approvals import views as approvals
from governance.documents import views as documents
from governance.policies import views as policies
from governance.reviews import views as reviews
from governance.web.views import dashboard, systems

app_name = "governance"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("queue/", dashboard.queue, name="queue"),
    path("approvals/", approvals.approval_list, name="approvals"),
    path("approvals/<int:pk>/", approvals.approval_detail, name="approval"),
    path("approvals/<int:pk>/withdraw/", approvals.approval_withdraw, name="approval-withdraw"),
    path("approvals/<int:pk>/resubmit/", approvals.approval_resubmit, name="approval-resubmit"),
    path("reviews/", reviews.review_list, name="reviews"),
    path("reviews/<int:pk>/", reviews.review_detail, name="review"),
    path("reviews/<int:pk>/start/", reviews.review_start, name="review-start"),
    path("reviews/<int:pk>/manage/", reviews.review_manage, name="review-manage"),
    path("reviews/<int:pk>/cancel/", reviews.review_cancel, name="review-cancel"),
    path("findings/<int:pk>/", reviews.finding_detail, name="finding"),
    path("systems/<slug:slug>/", systems.system_detail, name="system"),
    path("systems/<slug:slug>/dossier/", documents.dossier_page, name="dossier"),
    path(
        "systems/<slug:slug>/dossier/narrative/",
        documents.dossier_narrative,
        name="dossier-narrative",
    ),
    path("systems/<slug:slug>/dossier/map/", documents.dossier_map, name="dossier-map"),
    path(
        "systems/<slug:slug>/dossier/map/<int:pk>/remove/",
        documents.dossier_unmap,
        name="dossier-unmap",
    ),
    path("systems/<slug:slug>/dossier/pdf/", documents.dossier_pdf, name="dossier-pdf"),
    path("systems/<slug:slug>/fria/", documents.fria_start, name="fria-start"),
    path(
        "systems/<slug:slug>/registration/", documents.registration_edit, name="registration-edit"
    ),
    path("frias/<int:pk>/", documents.fria_edit, name="fria-edit"),
    path("frias/<int:pk>/sign/", documents.fria_sign, name="fria-sign"),
    path("frias/<int:pk>/pdf/", documents.fria_pdf, name="fria-pdf"),
    path("versions/<int:pk>/model-card/", documents.model_card_edit, name="model-card-edit"),
    path("versions/<int:pk>/model-card/pdf/", documents.model_card_pdf, name="model-card-pdf"),
    path("documents/jobs/<int:pk>/", documents.job_page, name="document-job"),
    path("documents/jobs/<int:pk>/pdf/", documents.job_download, name="document-job-pdf"),
    path("models/<int:pk>/move/", systems.model_move, name="model-move"),
    path("versions/<int:pk>/", systems.version_detail, name="version"),
    path("policies/", policies.policy_list, name="policies"),
    path("policies/<int:pk>/edit/", policies.policy_edit, name="policy-edit"),
]
