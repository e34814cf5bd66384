"""Reading OpenLineage events (spec 2-0-x, ``OpenLineage.json``) into plain data, refusing an
invalid one with the field and the reason, as Marquez does.

Three event kinds share ``eventTime``, ``producer`` and ``schemaURL``:

* **RunEvent** — ``run.runId`` (a UUID), ``job.namespace``/``job.name``, optional ``eventType``
  (``START``, ``RUNNING``, ``COMPLETE``, ``ABORT``, ``FAIL``, ``OTHER``), ``inputs`` and
  ``outputs`` (each ``namespace``, ``name``, ``facets``);
* **JobEvent** — a job with its inputs and outputs and no run (static lineage);
* **DatasetEvent** — one ``dataset``, no job.

Facets are kept as the JSON objects they are; only the ones Steward reads are looked into.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import uuid
import zlib
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from rest_framework import exceptions

from registry.api.parsers import JSONParser, PayloadTooLarge

EVENT_TYPES = ("START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER")
NAMESPACE_MAX = 300  # Dataset.namespace
NAME_MAX = 500  # Dataset.name


class LineageJSONParser(JSONParser):
    """JSON, optionally gzip-compressed (``Content-Encoding: gzip``, the HTTP transport's
    ``compression: gzip``). The compressed body was held to ``STEWARD_MAX_BODY_BYTES`` before
    the view ran (``registry.api.bodylimit``); the same limit holds for it decompressed, so that
    a small body cannot inflate past it."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        encoding = request.META.get("HTTP_CONTENT_ENCODING", "") if request is not None else ""
        if encoding.strip().lower() != "gzip":
            return super().parse(stream, media_type, parser_context)
        limit = settings.STEWARD_MAX_BODY_BYTES
        try:
            with gzip.GzipFile(fileobj=stream) as unzipped:
                body = unzipped.read(limit + 1)
        except (OSError, EOFError, zlib.error) as exc:
            raise exceptions.ParseError("Body is not valid gzip.") from exc
        if len(body) > limit:
            raise PayloadTooLarge(f"Request body over {limit} bytes once decompressed.")
        return super().parse(io.BytesIO(body), media_type, parser_context)


@dataclass(frozen=True)
class DatasetRef:
    namespace: str
    name: str
    facets: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def key(self) -> tuple[str, str]:
        return (self.namespace, self.name)


@dataclass
class LineageEvent:
    """A validated event. ``run_id`` is empty for a JobEvent; ``job_*`` empty for a
    DatasetEvent, whose one dataset is in ``outputs``."""

    kind: str  # "run", "job" or "dataset"
    event_type: str
    event_time: dt.datetime
    producer: str
    schema_url: str
    run_id: str = ""
    run_facets: dict[str, Any] = field(default_factory=dict)
    job_namespace: str = ""
    job_name: str = ""
    job_facets: dict[str, Any] = field(default_factory=dict)
    inputs: list[DatasetRef] = field(default_factory=list)
    outputs: list[DatasetRef] = field(default_factory=list)


def _fail(attr: str, message: str) -> exceptions.ValidationError:
    return exceptions.ValidationError({attr: [message]})


def _string(data: dict[str, Any], key: str, attr: str, *, max_length: int = 2000) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _fail(attr, "This field is required and must be a non-empty string.")
    if len(value) > max_length:
        raise _fail(attr, f"At most {max_length} characters.")
    return value


def _object(data: dict[str, Any], key: str, attr: str, *, required: bool) -> dict[str, Any]:
    value = data.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        message = (
            "This field is required and must be an object." if required else "Must be an object."
        )
        raise _fail(attr, message)
    return value


def _facets(data: dict[str, Any], key: str, attr: str) -> dict[str, Any]:
    facets = _object(data, key, attr, required=False)
    for name, facet in facets.items():
        if not isinstance(facet, dict):
            raise _fail(f"{attr}.{name}", "A facet must be an object.")
    return facets


def _datasets(body: dict[str, Any], key: str) -> list[DatasetRef]:
    items = body.get(key)
    if items is None:
        return []
    if not isinstance(items, list):
        raise _fail(key, "Must be an array of datasets.")
    out, seen = [], set()
    for i, item in enumerate(items):
        attr = f"{key}[{i}]"
        if not isinstance(item, dict):
            raise _fail(attr, "A dataset must be an object with namespace and name.")
        ref = DatasetRef(
            namespace=_string(item, "namespace", f"{attr}.namespace", max_length=NAMESPACE_MAX),
            name=_string(item, "name", f"{attr}.name", max_length=NAME_MAX),
            facets=_facets(item, "facets", f"{attr}.facets"),
        )
        extra = "inputFacets" if key == "inputs" else "outputFacets"
        _facets(item, extra, f"{attr}.{extra}")
        if ref.key not in seen:
            seen.add(ref.key)
            out.append(ref)
    return out


def _event_time(body: dict[str, Any]) -> dt.datetime:
    raw = _string(body, "eventTime", "eventTime", max_length=64)
    try:
        value = dt.datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as exc:
        raise _fail("eventTime", f"'{raw}' is not an ISO 8601 date-time.") from exc
    if value.tzinfo is None:
        raise _fail("eventTime", "The date-time needs a time zone offset (e.g. 'Z').")
    return value


def parse_event(body: Any) -> LineageEvent:
    """Validate one OpenLineage event; raise a DRF ``ValidationError`` naming the field."""
    if not isinstance(body, dict):
        raise _fail("non_field_errors", "An OpenLineage event is a JSON object.")
    common = {
        "event_time": _event_time(body),
        "producer": _string(body, "producer", "producer"),
        "schema_url": _string(body, "schemaURL", "schemaURL"),
    }
    if "run" in body or "eventType" in body:
        event_type = body.get("eventType", "OTHER")
        if event_type not in EVENT_TYPES:
            raise _fail("eventType", f"Must be one of {', '.join(EVENT_TYPES)}.")
        run = _object(body, "run", "run", required=True)
        run_id = _string(run, "runId", "run.runId", max_length=100)
        try:
            uuid.UUID(run_id)
        except ValueError as exc:
            raise _fail("run.runId", f"'{run_id}' is not a UUID.") from exc
        job = _object(body, "job", "job", required=True)
        return LineageEvent(
            kind="run",
            event_type=event_type,
            run_id=run_id,
            run_facets=_facets(run, "facets", "run.facets"),
            job_namespace=_string(job, "namespace", "job.namespace", max_length=NAMESPACE_MAX),
            job_name=_string(job, "name", "job.name", max_length=NAME_MAX),
            job_facets=_facets(job, "facets", "job.facets"),
            inputs=_datasets(body, "inputs"),
            outputs=_datasets(body, "outputs"),
            **common,
        )
    if "job" in body:
        job = _object(body, "job", "job", required=True)
        return LineageEvent(
            kind="job",
            event_type="",
            job_namespace=_string(job, "namespace", "job.namespace", max_length=NAMESPACE_MAX),
            job_name=_string(job, "name", "job.name", max_length=NAME_MAX),
            job_facets=_facets(job, "facets", "job.facets"),
            inputs=_datasets(body, "inputs"),
            outputs=_datasets(body, "outputs"),
            **common,
        )
    if "dataset" in body:
        dataset = _object(body, "dataset", "dataset", required=True)
        ref = DatasetRef(
            namespace=_string(dataset, "namespace", "dataset.namespace", max_length=NAMESPACE_MAX),
            name=_string(dataset, "name", "dataset.name", max_length=NAME_MAX),
            facets=_facets(dataset, "facets", "dataset.facets"),
        )
        return LineageEvent(kind="dataset", event_type="", outputs=[ref], **common)
    raise _fail(
        "run", "A RunEvent needs 'run' and 'job' (a JobEvent 'job', a DatasetEvent 'dataset')."
    )
