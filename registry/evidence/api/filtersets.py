"""Filters of the evidence list."""

from __future__ import annotations

import django_filters as df

from registry.api.filtersets import FilterSet, IdFilter
from registry.evidence.choices import EvidenceKind, EvidenceStatus, SubjectType
from registry.evidence.models import EvidenceItem


class EvidenceFilter(FilterSet):
    subject_type = df.ChoiceFilter(choices=SubjectType.choices)
    subject_id = IdFilter()
    kind = df.MultipleChoiceFilter(choices=EvidenceKind.choices)
    status = df.MultipleChoiceFilter(choices=EvidenceStatus.choices)
    lineage = df.UUIDFilter(help_text="Every version of one item.")

    class Meta:
        model = EvidenceItem
        fields = ["subject_type", "subject_id", "kind", "status", "lineage", "restricted"]
