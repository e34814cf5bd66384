"""The base classes of every API view: a serializer parses, one service acts, and the object is read
back through its selector, with ETags, ``If-Match`` and ``Idempotency-Key`` handled once."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from rest_framework import mixins, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from registry.api.filters import refuse_unknown_parameters
from registry.api.idempotency import run_idempotent
from registry.api.permissions import RegistryWritePermission
from registry.core.etags import etag_for

User = get_user_model()


class ServiceViewSet(viewsets.GenericViewSet):
    """Base of the registry's viewsets: writes go through services, and single-object responses
    carry an ``ETag``. Mix in the actions a resource supports (the router only routes those)."""

    permission_classes = [IsAuthenticated, RegistryWritePermission]
    update_serializer_class = None

    def get_serializer_class(self):
        if self.action in ("update", "partial_update") and self.update_serializer_class:
            return self.update_serializer_class
        return self.serializer_class

    @property
    def if_match(self) -> str | None:
        return self.request.headers.get("If-Match")

    def paginate_queryset(self, queryset):
        if self.paginator is None:  # an unpaginated list takes only its filters' parameters too
            refuse_unknown_parameters(self.request, queryset, self, paging=set())
        return super().paginate_queryset(queryset)

    def respond_with(self, obj, status_code=status.HTTP_200_OK) -> Response:
        """Render ``obj`` as read back through the selector, as a later GET would show it."""
        obj = self.get_queryset().get(pk=obj.pk)
        data = self.serializer_class(obj, context=self.get_serializer_context()).data
        response = Response(data, status=status_code)
        if hasattr(obj, "updated_at"):
            response["ETag"] = etag_for(obj)
        return response


class RetrieveMixin:
    def retrieve(self, request, *args, **kwargs):
        return self.respond_with(self.get_object())


class CreateMixin:
    """``create_object(data)`` calls the service. An ``Idempotency-Key`` header makes a retried
    POST replay the first response instead of creating a second object."""

    def create(self, request, *args, **kwargs):
        return run_idempotent(request, lambda: self._create(request))

    def _create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        obj = self.create_object(dict(serializer.validated_data))
        return self.respond_with(obj, status.HTTP_201_CREATED)


class UpdateMixin:
    """``update_object(instance, data)`` calls the service, passing ``If-Match`` where the
    resource supports it (412 when it no longer matches)."""

    def update(self, request, *args, partial=False, **kwargs):
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        obj = self.update_object(instance, dict(serializer.validated_data))
        return self.respond_with(obj)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)


class CrudViewSet(RetrieveMixin, CreateMixin, UpdateMixin, mixins.ListModelMixin, ServiceViewSet):
    """List, retrieve, create, update: the shape of most registry resources."""
