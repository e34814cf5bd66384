"""Web UI routes of the registry: the systems list and the audit log. The system page, which
shows approvals and reviews too, is routed by governance."""

from django.urls import path

from registry.audit import views
from registry.inventory import views as inventory_views

app_name = "registry"

urlpatterns = [
    path("systems/", inventory_views.systems, name="systems"),
    path("audit/", views.audit_log, name="audit-log"),
    path("audit/verify/", views.audit_verify, name="audit-verify"),
]
