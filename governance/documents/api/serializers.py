"""Shapes of the documents' API input. Serializers validate shape; the services decide. Output is
the documents' JSON export (``governance.documents.exports``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from governance.documents.assessments import FRIA_FIELDS
from governance.documents.cards import CARD_TEXT_FIELDS
from governance.documents.choices import DocumentKind, FRIADecision, FRIAFunction, Section
from governance.documents.models import validate_contacts, validate_metrics
from registry.api.fields import IdField
from registry.evidence.models import EvidenceItem
from registry.inventory.models import AISystem


def _django(validator):
    def run(value):
        try:
            validator(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc

    return run


class ModelCardInputSerializer(serializers.Serializer):
    """A version's model card; with PUT every field, with PATCH those that change."""

    metrics = serializers.JSONField(
        validators=[_django(validate_metrics)],
        help_text='[{"name": "auc", "value": 0.91, "slice": "age<25", "dataset": "holdout"}]',
    )
    contacts = serializers.JSONField(
        validators=[_django(validate_contacts)],
        help_text='[{"name": "Erin", "role": "Technical owner", "email": "erin@example.com"}]',
    )

    def get_fields(self):
        fields = super().get_fields()
        for name in CARD_TEXT_FIELDS:
            fields[name] = serializers.CharField(allow_blank=True, max_length=20_000)
        return fields


class NarrativeInputSerializer(serializers.Serializer):
    narrative = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=20_000),
        help_text="Section → text; an empty text removes it. Sections: "
        + ", ".join(Section.values),
    )


class SectionEvidenceInputSerializer(serializers.Serializer):
    section = serializers.ChoiceField(choices=Section.choices)
    evidence = IdField(queryset=EvidenceItem.objects.all())


class RegistrationInputSerializer(serializers.Serializer):
    data = serializers.DictField(
        help_text="Fields of the system's Annex VIII section (see ``fields`` in the GET); an "
        "empty value returns a field to its pre-filled value."
    )


class FRIAInputSerializer(serializers.Serializer):
    dpia = IdField(
        queryset=EvidenceItem.objects.all(),
        required=False,
        allow_null=True,
        help_text="The DPIA (evidence of kind 'dpia') this assessment complements.",
    )

    def get_fields(self):
        fields = super().get_fields()
        for name in FRIA_FIELDS:
            fields[name] = serializers.CharField(
                allow_blank=True, max_length=20_000, required=False
            )
        return fields


class FRIACreateSerializer(FRIAInputSerializer):
    system = IdField(queryset=AISystem.objects.all())


class FRIASignoffInputSerializer(serializers.Serializer):
    function = serializers.ChoiceField(choices=FRIAFunction.choices)
    decision = serializers.ChoiceField(choices=FRIADecision.choices)
    comment = serializers.CharField(allow_blank=True, required=False, max_length=10_000)


class DocumentJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    system = serializers.IntegerField(source="system_id")
    subject_id = serializers.IntegerField()
    status = serializers.CharField()
    progress = serializers.IntegerField(help_text="Percent done.")
    stage = serializers.CharField()
    requested_by = serializers.CharField(source="requested_by.username")
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    file_name = serializers.CharField()
    size = serializers.IntegerField(allow_null=True)
    sha256 = serializers.CharField()
    pages = serializers.IntegerField(allow_null=True)
    ledger_sequence = serializers.IntegerField(allow_null=True)
    ledger_hash = serializers.CharField()
    error = serializers.CharField()
    download_url = serializers.SerializerMethodField()

    def get_download_url(self, job) -> str | None:
        return f"/api/v1/document-jobs/{job.pk}/pdf/" if job.status == "done" else None
