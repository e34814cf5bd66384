"""Read queries of the evidence store, shared by the API and the pages: what a user may see, and
the evidence panel of a page (an object's items, each with its earlier versions)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet

from registry.evidence import permissions, subjects
from registry.evidence.choices import EvidenceKind
from registry.evidence.models import EvidenceItem


def evidence_list() -> QuerySet[EvidenceItem]:
    return EvidenceItem.objects.select_related(
        "uploaded_by", "withdrawn_by", "superseded_by"
    ).prefetch_related("grants")


def evidence_visible_to(user: Any) -> QuerySet[EvidenceItem]:
    """Every item ``user`` may see, filtered in the database."""
    return evidence_list().filter(permissions.evidence_visibility(user))


@dataclass
class EvidenceEntry:
    """One item on a page: its latest version and the earlier ones, newest first."""

    latest: EvidenceItem
    earlier: list[EvidenceItem] = field(default_factory=list)


@dataclass
class EvidencePanel:
    """What ``templates/registry/_evidence.html`` shows: the items of the page's subjects the
    user may see, and the upload form if they may attach to ``upload_to``."""

    subject_type: str
    subject_id: int
    entries: list[EvidenceEntry]
    can_attach: bool
    kinds: list[tuple[str, str]]
    functions: list[str]
    max_bytes: int


def evidence_panel(
    user: Any, subject: models.Model, *, also: Iterable[models.Model] = ()
) -> EvidencePanel:
    """The evidence panel of ``subject``'s page, with the items of the subjects in ``also``
    (an approval page shows its version's evidence too). Three queries, however many items
    and versions: the items, their grants, and whether the user may attach."""
    key = subjects.subject_key(subject)
    match = Q(subject_type=key, subject_id=subject.pk)
    for other in also:
        match |= Q(subject_type=subjects.subject_key(other), subject_id=other.pk)
    items = list(evidence_visible_to(user).filter(match).order_by("-version", "-id"))
    entries: dict[Any, EvidenceEntry] = {}
    for item in items:
        entry = entries.get(item.lineage)
        if entry is None:
            entries[item.lineage] = EvidenceEntry(item)
        else:
            entry.earlier.append(item)
    ordered = sorted(
        entries.values(), key=lambda e: (e.latest.status, -e.latest.created_at.timestamp())
    )
    return EvidencePanel(
        subject_type=key,
        subject_id=subject.pk,
        entries=ordered,
        can_attach=permissions.can_attach(user, subjects.attachable(key), subject),
        kinds=list(EvidenceKind.choices),
        functions=list(permissions.NAMEABLE_FUNCTIONS),
        max_bytes=settings.STEWARD_EVIDENCE_MAX_BYTES,
    )
