"""Read queries shared by the API, the web UI and tasks. Each returns a queryset or plain data
with its relations already joined, so callers never walk relations row by row."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from operator import attrgetter
from typing import Any, Literal, TypeVar

from django.conf import settings
from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.utils import timezone

from registry.inventory import charts
from registry.inventory.charts import SpendMonth
from registry.inventory.models import (
    AIModel,
    AISystem,
    CostRecord,
    Dataset,
    DatasetLineage,
    Deployment,
    Incident,
    ModelVersion,
    ModelVersionDataset,
)

Direction = Literal["upstream", "downstream"]
K = TypeVar("K")


def system_list() -> QuerySet[AISystem]:
    return AISystem.objects.select_related(
        "owning_team", "technical_owner", "accountable_executive", "created_by"
    )


def model_list() -> QuerySet[AIModel]:
    return AIModel.objects.select_related("system")


def version_list() -> QuerySet[ModelVersion]:
    return ModelVersion.objects.select_related(
        "model", "model__system", "registered_by"
    ).prefetch_related(
        Prefetch("dataset_links", queryset=ModelVersionDataset.objects.select_related("dataset"))
    )


def dataset_list() -> QuerySet[Dataset]:
    return Dataset.objects.select_related("owner_team")


def deployment_list() -> QuerySet[Deployment]:
    return Deployment.objects.select_related("model_version__model__system", "deployed_by")


def incident_list() -> QuerySet[Incident]:
    return Incident.objects.select_related("system", "model_version", "owner", "created_by")


def cost_list() -> QuerySet[CostRecord]:
    return CostRecord.objects.select_related("recorded_by").order_by("-period", "source", "id")


def months_back(today: dt.date, count: int = 12) -> list[dt.date]:
    """The first days of the last ``count`` months, oldest first, ending with today's month."""
    year, month = today.year, today.month
    out = []
    for _ in range(count):
        out.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def system_spend(
    system: AISystem, *, today: dt.date | None = None, months: int = 12
) -> dict[str, Any]:
    """The context ``templates/registry/_spend.html`` draws: the last ``months`` months of
    spend (all sources summed per month) against the monthly budget, and the records behind
    them. Two queries, whatever the number of records."""
    today = today or timezone.localdate()
    periods = months_back(today, months)
    records = list(
        cost_list().filter(system=system, period__gte=periods[0], period__lte=periods[-1])
    )
    totals: dict[dt.date, Decimal] = {}
    for record in records:
        totals[record.period] = totals.get(record.period, Decimal(0)) + record.amount
    spend = [SpendMonth(p, totals.get(p), system.monthly_budget) for p in periods]
    return {
        "system": system,
        "spend_months": spend,
        "spend_records": records,
        "spend_chart": charts.spend_chart(spend, system.monthly_budget),
    }


# --- Lineage ----------------------------------------------------------------------------------


@dataclass
class LineageGraph:
    """Datasets reachable from a start within ``depth`` hops, and the edges between them.
    ``distance`` maps each dataset id to its hop count from the start (the start's own datasets
    are at 0)."""

    direction: Direction
    depth: int
    nodes: dict[int, Dataset] = field(default_factory=dict)
    distance: dict[int, int] = field(default_factory=dict)
    edges: list[DatasetLineage] = field(default_factory=list)
    truncated: bool = False


def clamp_depth(depth: Any, default: int = 5) -> int:
    """A depth from user input, between 1 and the configured maximum. Raises ValueError."""
    if depth in (None, ""):
        return default
    value = int(depth)
    if value < 1 or value > settings.STEWARD_LINEAGE_MAX_DEPTH:
        raise ValueError(f"depth must be between 1 and {settings.STEWARD_LINEAGE_MAX_DEPTH}")
    return value


def lineage_graph(start_ids: set[int], *, direction: Direction, depth: int) -> LineageGraph:
    """Breadth-first walk of the dataset graph from ``start_ids``: one query per level, so the
    cost grows with depth, not with the number of datasets."""
    return lineage_graphs({0: start_ids}, direction=direction, depth=depth)[0]


def lineage_graphs(
    starts: Mapping[K, set[int]], *, direction: Direction, depth: int
) -> dict[K, LineageGraph]:
    """``lineage_graph`` for several starts at once (a system's versions), in the queries of
    one walk: each level's edges are read for the frontiers of every start together, then each
    start's graph is walked in memory over them. ``depth`` queries for the edges, one for the
    datasets, and one to tell whether a walk stopped with more beyond — however many starts."""
    near, far = (
        ("target_id", "source_id") if direction == "upstream" else ("source_id", "target_id")
    )
    # Every edge any start's walk meets: a node is at most as far from the union of the starts
    # as from its own start, so reading each level from the union's frontier reaches them all.
    out_of: dict[int, list[DatasetLineage]] = defaultdict(list)
    reached: set[int] = set().union(*starts.values())
    frontier = set(reached)
    for _ in range(depth):
        if not frontier:
            break
        nxt: set[int] = set()
        for edge in DatasetLineage.objects.filter(**{f"{near}__in": frontier}).order_by("id"):
            out_of[getattr(edge, near)].append(edge)
            other = getattr(edge, far)
            if other not in reached:
                reached.add(other)
                nxt.add(other)
        frontier = nxt
    # The level beyond ``depth``: only whether there is one, for ``truncated``.
    beyond = (
        set(
            DatasetLineage.objects.filter(**{f"{near}__in": frontier})
            .values_list(near, flat=True)
            .distinct()
        )
        if frontier
        else set()
    )
    graphs = {
        key: _walk_in_memory(start_ids, out_of, beyond, far=far, direction=direction, depth=depth)
        for key, start_ids in starts.items()
    }
    nodes = Dataset.objects.select_related("owner_team").in_bulk(
        list(set().union(*(g.distance for g in graphs.values())))
    )
    for graph in graphs.values():
        graph.nodes = {i: nodes[i] for i in graph.distance if i in nodes}
    return graphs


def _walk_in_memory(
    start_ids: set[int],
    out_of: Mapping[int, list[DatasetLineage]],
    beyond: set[int],
    *,
    far: str,
    direction: Direction,
    depth: int,
) -> LineageGraph:
    """One start's breadth-first walk over edges already read: edges level by level in id
    order, each dataset at the hop count it was first reached."""
    graph = LineageGraph(direction=direction, depth=depth)
    graph.distance = dict.fromkeys(start_ids, 0)
    frontier = set(start_ids)
    for level in range(1, depth + 1):
        if not frontier:
            break
        nxt: set[int] = set()
        edges = sorted((e for n in frontier for e in out_of.get(n, ())), key=attrgetter("pk"))
        for edge in edges:
            graph.edges.append(edge)
            other = getattr(edge, far)
            if other not in graph.distance:
                graph.distance[other] = level
                nxt.add(other)
        frontier = nxt
    # Stopped by depth: say whether anything lies beyond.
    graph.truncated = any(n in out_of or n in beyond for n in frontier)
    return graph


def dataset_lineage(dataset: Dataset, *, direction: Direction, depth: int) -> LineageGraph:
    return lineage_graph({dataset.pk}, direction=direction, depth=depth)


def version_upstream(
    version: ModelVersion, *, depth: int
) -> tuple[list[ModelVersionDataset], LineageGraph]:
    """The datasets a version was built from (one hop, with their roles) and what lies upstream of
    them, ``depth`` hops from the version in all. Distances count from the version."""
    return versions_upstream([version], depth=depth)[version.pk]


def versions_upstream(
    versions: Sequence[ModelVersion], *, depth: int
) -> dict[int, tuple[list[ModelVersionDataset], LineageGraph]]:
    """``version_upstream`` of each version, by id, in the queries of one (``lineage_graphs``),
    however many versions."""
    # A no-op when the versions were read through version_list(), which prefetched these.
    prefetch_related_objects(
        list(versions),
        Prefetch("dataset_links", queryset=ModelVersionDataset.objects.select_related("dataset")),
    )
    links = {v.pk: list(v.dataset_links.all()) for v in versions}
    graphs = lineage_graphs(
        {pk: {link.dataset_id for link in found} for pk, found in links.items()},
        direction="upstream",
        depth=depth - 1,
    )
    for graph in graphs.values():
        graph.depth = depth
        graph.distance = {k: v + 1 for k, v in graph.distance.items()}
    return {pk: (links[pk], graphs[pk]) for pk in links}


# --- Lineage as the pages show it -------------------------------------------------------------


@dataclass
class VersionLineage:
    """What a version was built from, as the pages show it: its datasets with their roles, the
    datasets further upstream (sorted by name), the edges between them with the job that made
    each, and whether the walk stopped at ``depth`` with more beyond."""

    links: list[ModelVersionDataset]
    upstream: list[Dataset]
    edges: list[tuple[Dataset, Dataset, DatasetLineage]]  # (source, target, the edge)
    truncated: bool


# How far upstream of a version the pages look: its datasets and two hops beyond them.
LINEAGE_DEPTH = 3


def version_lineage(version: ModelVersion, *, depth: int = LINEAGE_DEPTH) -> VersionLineage:
    """The version's datasets and what lies upstream of them, ``depth`` hops from the version."""
    return versions_lineage([version], depth=depth)[version.pk]


def versions_lineage(
    versions: Sequence[ModelVersion], *, depth: int = LINEAGE_DEPTH
) -> dict[int, VersionLineage]:
    """``version_lineage`` of each version, by id, in a fixed number of queries."""
    found = versions_upstream(versions, depth=depth)
    return {pk: _as_lineage(links, graph) for pk, (links, graph) in found.items()}


def _as_lineage(links: list[ModelVersionDataset], graph: LineageGraph) -> VersionLineage:
    upstream = sorted(
        (graph.nodes[i] for i, d in graph.distance.items() if d > 1 and i in graph.nodes),
        key=lambda d: (d.namespace, d.name),
    )
    nodes = graph.nodes
    edges = [
        (nodes[e.source_id], nodes[e.target_id], e)
        for e in graph.edges
        if e.source_id in nodes and e.target_id in nodes
    ]
    return VersionLineage(links, upstream, edges, graph.truncated)
