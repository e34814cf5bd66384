"""Web UI routes of governance: dashboard, my queue, approvals, risk reviews, system and version
pages, and policies."""

from django.urls import path

from governance.approvals import views as approvals
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
    path("models/<int:pk>/move/", systems.model_move, name="model-move"),
    path("versions/<int:pk>/", systems.version_detail, name="version"),
    path("policies/", policies.policy_list, name="policies"),
    path("policies/<int:pk>/edit/", policies.policy_edit, name="policy-edit"),
]
