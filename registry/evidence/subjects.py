"""What evidence can be attached to, and who sees and owns each kind of subject.

A subject is named by its type (``SubjectType``, the API's word for it) and its id. Each type is
registered here with its model and two filters: who may see such an object (None: everyone
signed in, as for the whole inventory) and who answers for it (its owners, who also read its
restricted evidence). The registry's own objects are registered below; governance registers
approvals, reviews and findings in its AppConfig.ready, so that the evidence store attaches to
them without importing governance (the layers only go down)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.http import Http404

from registry.evidence.choices import SubjectType
from registry.inventory.models import AISystem, Dataset, Incident, ModelVersion
from registry.inventory.permissions import owners_filter
from registry.people.permissions import team_ids_of


@dataclass(frozen=True)
class Attachable:
    """One type of subject. ``visible(user)`` and ``owners(user)`` are filters on ``model``;
    ``related`` is what its label (``str()``) walks, joined when a subject is resolved."""

    key: str
    model: type[models.Model]
    owners: Callable[[Any], Q]
    visible: Callable[[Any], Q] | None = None
    related: tuple[str, ...] = ()

    def label(self) -> str:
        return SubjectType(self.key).label

    def unrestricted(self) -> models.QuerySet:
        return self.model._default_manager.select_related(*self.related)

    def objects(self, user: Any) -> models.QuerySet:
        """The subjects of this type ``user`` may see."""
        queryset = self.unrestricted()
        return queryset if self.visible is None else queryset.filter(self.visible(user))


_registry: dict[str, Attachable] = {}


def register(attachable: Attachable) -> Attachable:
    """Make a type attachable (registering it again replaces it)."""
    if attachable.key not in SubjectType.values:
        raise ValueError(f"Unknown subject type {attachable.key!r}: add it to SubjectType.")
    _registry[attachable.key] = attachable
    return attachable


def registered() -> list[Attachable]:
    """Every attachable type, in ``SubjectType`` order."""
    return [_registry[key] for key in SubjectType.values if key in _registry]


def attachable(key: str) -> Attachable:
    try:
        return _registry[key]
    except KeyError:
        raise ValidationError(
            {"subject_type": f"Evidence cannot be attached to '{key}' here."}
        ) from None


def resolve(key: str, pk: int, user: Any) -> tuple[Attachable, models.Model]:
    """The subject ``(key, pk)`` if ``user`` may see it (``None``, Steward itself — a task, the
    demo — sees everything). One that does not exist and one they may not see are the same
    404."""
    kind = attachable(key)
    queryset = kind.objects(user) if user is not None else kind.unrestricted()
    try:
        return kind, queryset.get(pk=pk)
    except kind.model.DoesNotExist:
        raise Http404(f"No such {kind.label().lower()}.") from None


def subject_key(obj: models.Model) -> str:
    """The subject type of a model instance (for pages that hold one)."""
    for kind in _registry.values():
        if isinstance(obj, kind.model):
            return kind.key
    raise ValueError(f"{type(obj).__name__} is not an attachable subject.")


def is_owner(kind: Attachable, user: Any, obj: models.Model) -> bool:
    return kind.model._default_manager.filter(kind.owners(user), pk=obj.pk).exists()


# --- The registry's own subjects --------------------------------------------------------------

register(Attachable(SubjectType.SYSTEM, AISystem, owners=lambda user: owners_filter(user)))
register(
    Attachable(
        SubjectType.MODEL_VERSION,
        ModelVersion,
        owners=lambda user: owners_filter(user, "model__system__"),
        related=("model",),
    )
)
register(
    Attachable(
        SubjectType.DATASET,
        Dataset,
        owners=lambda user: Q(owner_team_id__in=team_ids_of(user)) | Q(created_by=user),
    )
)
register(
    Attachable(
        SubjectType.INCIDENT,
        Incident,
        owners=lambda user: owners_filter(user, "system__") | Q(owner=user),
    )
)
