"""Web UI routes of the registry: the systems list, the audit log, the evidence panel's actions
(attach, new version, withdraw, download) and a system's auditor pack. The system page, which
shows approvals and reviews too, is routed by governance."""

from django.urls import path

from registry.audit import views
from registry.evidence import views as evidence_views
from registry.inventory import views as inventory_views
from registry.pack import views as pack_views

app_name = "registry"

urlpatterns = [
    path("systems/", inventory_views.systems, name="systems"),
    path("systems/<int:pk>/audit-pack/", pack_views.audit_pack, name="audit-pack"),
    path("audit/", views.audit_log, name="audit-log"),
    path("audit/verify/", views.audit_verify, name="audit-verify"),
    path("evidence/attach/", evidence_views.evidence_attach, name="evidence-attach"),
    path("evidence/<int:pk>/download/", evidence_views.evidence_download, name="evidence-download"),
    path("evidence/<int:pk>/versions/", evidence_views.evidence_version, name="evidence-version"),
    path("evidence/<int:pk>/withdraw/", evidence_views.evidence_withdraw, name="evidence-withdraw"),
]
