"""OpenLineage events into the registry: datasets, the edges between them, owners, and the
training data of model versions — all through the registry's own services, so permissions and
the audit trail apply exactly as for any other change.

What an event does (every event kind and type, unless said otherwise):

* each input and output dataset is matched by (namespace, name) or registered
  (``dataset_create``; its ``documentation`` facet becomes the description, its ``dataSource``
  facet's URI the source);
* an ``ownership`` facet (``{"owners": [{"name": "team:<slug or name>"}]}``) makes the named
  team the owner of a dataset that has none, when the poster may assign that team; otherwise the
  dataset stays unowned and the response says why;
* every input → output pair becomes a lineage edge with the job's namespace and name and the
  run id (``lineage_record``: recording it again changes nothing; a cycle is refused). A dataset
  that is both input and output of one job (an in-place update) gets no self-edge;
* on ``COMPLETE`` only, the run's inputs become **training** datasets of each model version the
  run is tied to (``version_update``: this invalidates the version's open approvals, which is the
  point — an approval covers the data a version was built from). A run is tied to a version by:

  - an output dataset named ``models:/<registered model>/<version>`` (MLflow's model URI; any
    namespace) — such outputs, and inputs named so, are model references, not datasets;
  - a run facet ``steward`` with ``modelName`` and ``modelVersion``, or ``modelVersionId`` (the
    Steward id), or ``mlflowRunId`` (versions registered with that MLflow run id);
  - the run's own ``runId`` equal to a version's run id (with or without dashes: MLflow run ids
    are UUIDs without them).

Repeated events of a run find everything in place and change nothing: no new rows, no new audit
events. The whole event is one transaction: refused in part means refused whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction

from integrations.openlineage.parsing import DatasetRef, LineageEvent
from registry.core import roles
from registry.core.exceptions import ConflictError
from registry.inventory import permissions
from registry.inventory import services as registry
from registry.inventory.choices import DatasetRole, VersionStatus
from registry.inventory.models import Dataset, DatasetLineage, ModelVersion
from registry.people.models import Team

MODEL_URI = re.compile(r"^models:/(?P<name>[^/]+)/(?P<version>[^/]+)$")
STEWARD_FACET = "steward"


@dataclass
class IngestResult:
    """What one event did, for the response: datasets and edges (with whether each was new),
    the versions whose training data it recorded, and what it could not do."""

    datasets: list[tuple[Dataset, bool]] = field(default_factory=list)
    edges: list[tuple[DatasetLineage, bool]] = field(default_factory=list)
    versions: list[ModelVersion] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def is_model_ref(ref: DatasetRef) -> bool:
    return bool(MODEL_URI.match(ref.name))


# --- Datasets and owners ----------------------------------------------------------------------


def owner_team_named(ref: DatasetRef) -> Team | None:
    """The team an ``ownership`` facet names (``team:<slug>``, ``team:<name>`` or a bare slug
    or name), if any."""
    facet = ref.facets.get("ownership") or {}
    owners = facet.get("owners") if isinstance(facet, dict) else None
    for owner in owners if isinstance(owners, list) else []:
        name = owner.get("name") if isinstance(owner, dict) else None
        if not isinstance(name, str):
            continue
        kind, sep, rest = name.partition(":")
        if sep and kind.lower() != "team":
            continue  # user:…, application:… name no team
        key = (rest if sep else name).strip()
        team = (
            Team.objects.filter(slug=key).first() or Team.objects.filter(name__iexact=key).first()
        )
        if team is not None:
            return team
    return None


def _dataset_fields(ref: DatasetRef) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    doc = ref.facets.get("documentation") or {}
    if isinstance(doc.get("description"), str):
        fields["description"] = doc["description"]
    source = ref.facets.get("dataSource") or {}
    if isinstance(source.get("uri"), str):
        fields["source"] = source["uri"][:500]
    return fields


def _dataset_for(actor: Any, ref: DatasetRef, result: IngestResult) -> Dataset:
    team = owner_team_named(ref)
    dataset = Dataset.objects.filter(namespace=ref.namespace, name=ref.name).first()
    if dataset is None:
        fields = _dataset_fields(ref)
        if team is not None:
            if actor is None or permissions.can_create_dataset(actor, team):
                fields["owner_team"] = team
            else:
                result.warnings.append(
                    f"{ref.namespace}/{ref.name}: not owned by '{team.slug}' as its ownership "
                    "facet says, because you are not a member of that team."
                )
        try:
            with transaction.atomic():
                dataset = registry.dataset_create(
                    actor=actor, namespace=ref.namespace, name=ref.name, **fields
                )
            result.datasets.append((dataset, True))
            return dataset
        except (ConflictError, IntegrityError):
            # A concurrent event registered it first.
            dataset = Dataset.objects.get(namespace=ref.namespace, name=ref.name)
    result.datasets.append((dataset, False))
    if team is not None and dataset.owner_team_id is None:
        if actor is None or (
            permissions.can_change_dataset(actor, dataset)
            and permissions.can_create_dataset(actor, team)
        ):
            dataset = registry.dataset_update(
                actor=actor, dataset=dataset, data={"owner_team": team}
            )
        else:
            result.warnings.append(
                f"{ref.namespace}/{ref.name}: its ownership facet names '{team.slug}', but you "
                "may not set its owner."
            )
    return dataset


# --- Model versions the run is tied to --------------------------------------------------------


def _versions_tied(event: LineageEvent, result: IngestResult) -> list[ModelVersion]:
    live = ModelVersion.objects.exclude(status=VersionStatus.DEPRECATED)
    found: dict[int, ModelVersion] = {}
    for ref in event.outputs:
        m = MODEL_URI.match(ref.name)
        if m is None:
            continue
        mv = live.filter(model__name=m["name"], version=m["version"]).first()
        if mv is None:
            result.warnings.append(f"{ref.name}: no such model version is registered.")
        else:
            found[mv.pk] = mv
    facet = event.run_facets.get(STEWARD_FACET) or {}
    if facet.get("modelVersionId") is not None:
        wanted = str(facet["modelVersionId"])
        mv = live.filter(pk=int(wanted)).first() if wanted.isdigit() else None
        if mv is None:
            result.warnings.append(f"steward.modelVersionId={facet['modelVersionId']}: not found.")
        else:
            found[mv.pk] = mv
    if facet.get("modelName") and facet.get("modelVersion") is not None:
        mv = live.filter(model__name=facet["modelName"], version=str(facet["modelVersion"])).first()
        if mv is None:
            result.warnings.append(
                f"steward facet: {facet['modelName']} version {facet['modelVersion']} is not "
                "registered."
            )
        else:
            found[mv.pk] = mv
    run_ids = {event.run_id, event.run_id.replace("-", "")} - {""}
    if isinstance(facet.get("mlflowRunId"), str) and facet["mlflowRunId"]:
        run_ids.add(facet["mlflowRunId"])
    if run_ids:
        for mv in live.filter(run_id__in=run_ids):
            found[mv.pk] = mv
    return list(found.values())


def _link_training(actor: Any, mv: ModelVersion, inputs: list[Dataset]) -> bool:
    links = [(link.dataset, link.role) for link in mv.dataset_links.select_related("dataset")]
    have = {(d.pk, role) for d, role in links}
    new = [(d, DatasetRole.TRAINING) for d in inputs if (d.pk, DatasetRole.TRAINING) not in have]
    if not new:
        return False
    registry.version_update(actor=actor, version=mv, data={}, datasets=links + new)
    return True


# --- The event --------------------------------------------------------------------------------


@transaction.atomic
def lineage_event_ingest(*, actor: Any, event: LineageEvent) -> IngestResult:
    """Record what one OpenLineage event says (see the module docstring). Needs a user who may
    write the registry; each record is then checked as usual (the derived dataset's owners
    record its lineage; a version's owners link its training data)."""
    if actor is not None:
        roles.require_write_registry(actor)
    result = IngestResult()
    inputs = [_dataset_for(actor, r, result) for r in event.inputs if not is_model_ref(r)]
    outputs = [_dataset_for(actor, r, result) for r in event.outputs if not is_model_ref(r)]
    if event.kind != "dataset":
        for target in outputs:
            for source in inputs:
                if source.pk == target.pk:
                    continue
                edge, created = registry.lineage_record(
                    actor=actor,
                    source=source,
                    target=target,
                    job_namespace=event.job_namespace,
                    job_name=event.job_name,
                    run_id=event.run_id,
                )
                result.edges.append((edge, created))
    if event.kind == "run" and event.event_type == "COMPLETE" and inputs:
        for mv in _versions_tied(event, result):
            _link_training(actor, mv, inputs)
            result.versions.append(mv)
    return result
