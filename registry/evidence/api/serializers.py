"""Shapes of the evidence API's input and output. Serializers validate shape; the services
inspect, store and record."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from registry.api.fields import UserField
from registry.api.filtersets import MAX_ID
from registry.evidence.choices import EvidenceKind, SubjectType
from registry.evidence.models import EvidenceItem
from registry.evidence.permissions import NAMEABLE_FUNCTIONS


class EvidenceSerializer(serializers.ModelSerializer):
    uploaded_by = UserField(read_only=True)
    withdrawn_by = UserField(read_only=True)
    superseded_by = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    functions = serializers.ListField(child=serializers.CharField(), read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = EvidenceItem
        fields = [
            "id",
            "lineage",
            "version",
            "supersedes",
            "superseded_by",
            "status",
            "subject_type",
            "subject_id",
            "subject_repr",
            "title",
            "kind",
            "author",
            "document_date",
            "description",
            "restricted",
            "functions",
            "link_url",
            "file_name",
            "content_type",
            "size",
            "sha256",
            "download_url",
            "uploaded_by",
            "created_at",
            "withdrawn_at",
            "withdrawn_by",
            "withdrawal_reason",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_download_url(self, item: EvidenceItem) -> str | None:
        if item.is_link:
            return None
        return reverse("evidenceitem-download", kwargs={"pk": item.pk})


class _EvidenceFields(serializers.Serializer):
    """What describes an item (all optional on a new version: the previous one's are kept)."""

    title = serializers.CharField(max_length=300)
    kind = serializers.ChoiceField(choices=EvidenceKind.choices)
    author = serializers.CharField(max_length=200, required=False, allow_blank=True)
    document_date = serializers.DateField(required=False, allow_null=True)
    description = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    restricted = serializers.BooleanField(required=False)
    functions = serializers.MultipleChoiceField(
        choices=NAMEABLE_FUNCTIONS,
        required=False,
        help_text="Functions that may read restricted evidence besides its owners, compliance "
        "and auditors (default: those of its kind).",
    )
    link_url = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, help_text="For a link: http(s) only."
    )

    def validate_functions(self, value):
        return sorted(value)

    def validate(self, attrs):
        has_file = attrs.get("file") is not None
        if has_file == bool(attrs.get("link_url")):
            raise serializers.ValidationError(
                {"file": "Send either a file (multipart) or a link_url, not both."}
            )
        return attrs


class EvidenceLinkCreateSerializer(_EvidenceFields):
    """Attach an external link (JSON)."""

    subject_type = serializers.ChoiceField(choices=SubjectType.choices)
    subject_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class EvidenceCreateSerializer(EvidenceLinkCreateSerializer):
    """Attach a file (multipart/form-data, the file in ``file``) or a link."""

    file = serializers.FileField(required=False, allow_empty_file=False, use_url=False)


class EvidenceLinkVersionSerializer(_EvidenceFields):
    """A new version that is a link (JSON); unspecified fields keep the previous version's."""

    title = serializers.CharField(max_length=300, required=False)
    kind = serializers.ChoiceField(choices=EvidenceKind.choices, required=False)


class EvidenceVersionSerializer(EvidenceLinkVersionSerializer):
    """A new version (multipart with ``file``, or a link); unspecified fields keep the
    previous version's."""

    file = serializers.FileField(required=False, allow_empty_file=False, use_url=False)


class EvidenceWithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=10_000)
