"""The documents' endpoints: thin, one service call each. A user who may not read a system's
documents gets 404 for all of them (``permissions.require_read_documents``); the services say
403 to a reader who may not write. Updates carry an ETag and honour ``If-Match`` (412)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from governance.documents import (
    assessments,
    build,
    cards,
    exports,
    permissions,
    registration,
    selectors,
    services,
)
from governance.documents.api import serializers as s
from governance.documents.choices import DocumentKind, JobStatus
from governance.documents.completeness import dossier
from governance.documents.models import RegistrationData
from registry.core.etags import etag_for
from registry.core.exceptions import ConflictError
from registry.inventory import selectors as inventory_selectors
from registry.inventory.models import AISystem, ModelVersion

JSON = OpenApiResponse(OpenApiTypes.OBJECT, description="The document as JSON.")
PDF = OpenApiResponse(OpenApiTypes.BINARY, description="The PDF, as an attachment.")


class DocumentView(APIView):
    permission_classes = [IsAuthenticated]

    @property
    def if_match(self) -> str | None:
        return self.request.headers.get("If-Match")

    def system(self, pk: int) -> AISystem:
        try:
            system = inventory_selectors.system_list().get(pk=pk)
        except AISystem.DoesNotExist:
            raise Http404 from None
        permissions.require_read_documents(self.request.user, system)
        return system

    def version(self, pk: int) -> ModelVersion:
        try:
            version = inventory_selectors.version_list().get(pk=pk)
        except ModelVersion.DoesNotExist:
            raise Http404 from None
        permissions.require_read_documents(self.request.user, version.model.system)
        return version


def _with_etag(data, etag: str, code: int = status.HTTP_200_OK) -> Response:
    response = Response(data, status=code)
    response["ETag"] = etag
    return response


def _pdf(kind: str, subject_id: int, user) -> Response:
    return build.pdf_response(kind, subject_id, user)


class ModelCardView(DocumentView):
    """A model version's card: the stored card, or the draft pre-filled from the registry until
    one is written (``stored: false``), with its lineage from the registry. Frozen once the
    version is approved, deployed or deprecated (409: register a new version)."""

    def _respond(self, version: ModelVersion) -> Response:
        view = cards.card_view(version)
        evidence = build.version_evidence(version, self.request.user)
        return _with_etag(exports.card_json(view, evidence), view.etag)

    @extend_schema(responses=JSON)
    def get(self, request, pk: int):
        return self._respond(self.version(pk))

    def _write(self, request, pk: int, partial: bool) -> Response:
        version = self.version(pk)
        serializer = s.ModelCardInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        services.model_card_save(
            actor=request.user,
            version=version,
            data=dict(serializer.validated_data),
            if_match=self.if_match,
        )
        return self._respond(inventory_selectors.version_list().get(pk=pk))

    @extend_schema(request=s.ModelCardInputSerializer, responses=JSON)
    def put(self, request, pk: int):
        return self._write(request, pk, partial=False)

    @extend_schema(request=s.ModelCardInputSerializer, responses=JSON)
    def patch(self, request, pk: int):
        return self._write(request, pk, partial=True)


class ModelCardPDFView(DocumentView):
    @extend_schema(responses={(200, "application/pdf"): PDF})
    def get(self, request, pk: int):
        """The model card as a PDF, built while you wait."""
        return _pdf(DocumentKind.MODEL_CARD, self.version(pk).pk, request.user)


class TechnicalDocumentationView(DocumentView):
    """A system's technical documentation (Art. 11, Annex IV) assembled from the record, with each
    section's completeness and what it lacks, the score, the evidence cited with digests and
    audit sequences, and the ledger head it was read at. PATCH sets the words of sections."""

    def _respond(self, system: AISystem) -> Response:
        doc = dossier(system, user=self.request.user)
        etag = etag_for(doc.record) if doc.record else etag_for(system)
        return _with_etag(exports.dossier_json(doc), etag)

    @extend_schema(responses=JSON)
    def get(self, request, pk: int):
        return self._respond(self.system(pk))

    @extend_schema(request=s.NarrativeInputSerializer, responses=JSON)
    def patch(self, request, pk: int):
        system = self.system(pk)
        serializer = s.NarrativeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.documentation_update(
            actor=request.user,
            system=system,
            narrative=serializer.validated_data["narrative"],
            if_match=self.if_match,
        )
        return self._respond(system)


class SectionEvidenceView(DocumentView):
    @extend_schema(request=s.SectionEvidenceInputSerializer, responses={201: JSON})
    def post(self, request, pk: int):
        """Map an evidence item of the system to a section (on top of the mapping by kind)."""
        system = self.system(pk)
        serializer = s.SectionEvidenceInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        mapping = services.section_evidence_map(
            actor=request.user,
            system=system,
            section=serializer.validated_data["section"],
            evidence=serializer.validated_data["evidence"],
        )
        body = {
            "id": mapping.pk,
            "section": mapping.section,
            "evidence": mapping.evidence_id,
            "evidence_lineage": str(mapping.evidence_lineage),
        }
        return Response(body, status=status.HTTP_201_CREATED)


class SectionEvidenceDetailView(DocumentView):
    @extend_schema(responses={204: None})
    def delete(self, request, pk: int, mapping_pk: int):
        """Take an evidence item off the section it was mapped to."""
        system = self.system(pk)
        services.section_evidence_unmap(
            actor=request.user, mapping=selectors.mapping_of(system, mapping_pk)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


def _job_response(job, code=status.HTTP_200_OK) -> Response:
    response = Response(s.DocumentJobSerializer(job).data, status=code)
    response["Location"] = f"/api/v1/document-jobs/{job.pk}/"
    return response


class TechnicalDocumentationPDFView(DocumentView):
    @extend_schema(request=None, responses={202: s.DocumentJobSerializer})
    def post(self, request, pk: int):
        """Build the technical documentation's PDF in the background: 202 with the job at
        ``Location``; its status shows progress, and its ``pdf`` streams the file once done."""
        system = self.system(pk)
        job = services.document_job_request(
            actor=request.user, kind=DocumentKind.TECHNICAL_DOCUMENTATION, subject_id=system.pk
        )
        return _job_response(selectors.job_for(request.user, job.pk), status.HTTP_202_ACCEPTED)


class DocumentJobView(DocumentView):
    @extend_schema(responses=s.DocumentJobSerializer)
    def get(self, request, pk: int):
        """A PDF job: status (queued, running, done, failed), progress and, once done, the
        file's digest, pages and the ledger head it was built from."""
        job = selectors.job_for(request.user, pk)
        if job is None:
            raise Http404
        return _job_response(job)


class DocumentJobPDFView(DocumentView):
    @extend_schema(responses={(200, "application/pdf"): PDF})
    def get(self, request, pk: int):
        """The built PDF (409 until the job is done)."""
        job = selectors.job_for(request.user, pk)
        if job is None:
            raise Http404
        if job.status != JobStatus.DONE:
            raise ConflictError(f"The PDF is not ready: the job is {job.status}.", code="not_ready")
        return build.pdf_file_response(job)


class RegistrationView(DocumentView):
    """A system's EU database registration data (Art. 49; Annex VIII section A for a provider,
    C for a deployer): every field with its value (stored, or pre-filled from the record), and
    whether it is complete. PATCH sets fields."""

    def _respond(self, system: AISystem) -> Response:
        record = RegistrationData.objects.filter(system=system).first()
        approved = (
            selectors.fria_list(self.request.user).filter(system=system, status="approved").first()
        )
        entry = registration.entry(system, record.data if record else None, fria=approved)
        etag = etag_for(record) if record else etag_for(system)
        return _with_etag(exports.registration_json(entry, record), etag)

    @extend_schema(responses=JSON)
    def get(self, request, pk: int):
        return self._respond(self.system(pk))

    @extend_schema(request=s.RegistrationInputSerializer, responses=JSON)
    def patch(self, request, pk: int):
        system = self.system(pk)
        serializer = s.RegistrationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.registration_update(
            actor=request.user,
            system=system,
            data=serializer.validated_data["data"],
            if_match=self.if_match,
        )
        return self._respond(system)


class FRIAListView(DocumentView):
    @extend_schema(responses=JSON, operation_id="v1_frias_list")
    def get(self, request):
        """The assessments of the systems whose documents you read (``?system=`` filters)."""
        frias = selectors.fria_list(request.user)
        system = request.query_params.get("system")
        if system:
            if not system.isdigit():
                from rest_framework.exceptions import ValidationError

                raise ValidationError({"system": ["A whole number is required."]})
            frias = frias.filter(system_id=int(system))
        return Response({"results": [exports.fria_json(f) for f in frias[:200]]})

    @extend_schema(request=s.FRIACreateSerializer, responses={201: JSON})
    def post(self, request):
        """Start a system's next assessment as a draft (from the text of its latest one)."""
        serializer = s.FRIACreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        system = self.system(data.pop("system").pk)
        dpia = data.pop("dpia", None)
        fria = assessments.fria_create(actor=request.user, system=system, data=data, dpia=dpia)
        return _fria_response(request.user, fria.pk, status.HTTP_201_CREATED)


def _fria_response(user, pk: int, code=status.HTTP_200_OK) -> Response:
    fria = selectors.fria_for(user, pk)
    return _with_etag(exports.fria_json(fria), etag_for(fria), code)


class FRIADetailView(DocumentView):
    def fria(self, pk: int):
        fria = selectors.fria_for(self.request.user, pk)
        if fria is None:
            raise Http404
        return fria

    @extend_schema(responses=JSON)
    def get(self, request, pk: int):
        return _fria_response(request.user, self.fria(pk).pk)

    @extend_schema(request=s.FRIAInputSerializer, responses=JSON)
    def patch(self, request, pk: int):
        """Edit a draft (``dpia: null`` unlinks its DPIA)."""
        fria = self.fria(pk)
        serializer = s.FRIAInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        extra = {"dpia": data.pop("dpia")} if "dpia" in data else {}
        assessments.fria_update(
            actor=request.user, fria=fria, data=data, if_match=self.if_match, **extra
        )
        return _fria_response(request.user, fria.pk)


class FRIASubmitView(FRIADetailView):
    @extend_schema(request=None, responses=JSON)
    def post(self, request, pk: int):
        """Submit a complete draft for the sign-offs of compliance and privacy (400 naming what
        it lacks)."""
        assessments.fria_submit(actor=request.user, fria=self.fria(pk))
        return _fria_response(request.user, pk)


class FRIASignoffView(FRIADetailView):
    @extend_schema(request=s.FRIASignoffInputSerializer, responses={201: JSON})
    def post(self, request, pk: int):
        """Compliance or privacy decides (separation of duties as on approvals: not a writer or
        the submitter of the assessment, not an owner of the system, one function each)."""
        fria = self.fria(pk)
        serializer = s.FRIASignoffInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assessments.fria_signoff(actor=request.user, fria=fria, **serializer.validated_data)
        return _fria_response(request.user, pk, status.HTTP_201_CREATED)


class FRIAPDFView(FRIADetailView):
    @extend_schema(responses={(200, "application/pdf"): PDF})
    def get(self, request, pk: int):
        """The assessment as a PDF, built while you wait."""
        return _pdf(DocumentKind.FRIA, self.fria(pk).pk, request.user)
