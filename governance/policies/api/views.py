"""Policy endpoints: thin, one service call each."""

from __future__ import annotations

from rest_framework import mixins
from rest_framework.permissions import IsAuthenticated

from governance.policies import selectors
from governance.policies import services as policies_services
from governance.policies.api import serializers as api_serializers
from registry.api.views import RetrieveMixin, ServiceViewSet, UpdateMixin


class PolicyViewSet(RetrieveMixin, UpdateMixin, mixins.ListModelMixin, ServiceViewSet):
    """Policies per risk tier. Everyone reads; compliance edits (with ``If-Match``)."""

    serializer_class = api_serializers.PolicySerializer
    permission_classes = [IsAuthenticated]
    pagination_class = None
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.policy_list()

    def update_object(self, instance, data):
        return policies_services.policy_update(
            actor=self.request.user, policy=instance, data=data, if_match=self.if_match
        )
