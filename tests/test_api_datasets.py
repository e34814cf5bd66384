"""Datasets, the lineage edges between them and the lineage graph endpoints: who may write,
bad input, cycles, ETags, graphs to a depth, and query counts."""

import itertools

import pytest

from registry.inventory import selectors, services
from registry.inventory.choices import DatasetRole
from registry.inventory.models import Dataset, DatasetLineage
from tests.api_checks import assert_list_queries_flat, nothing_written
from tests.helpers import check, error_attrs

pytestmark = pytest.mark.django_db

_n = itertools.count(1)


def make_datasets(team, *names):
    return {
        name: services.dataset_create(actor=None, namespace="s3://g", name=name, owner_team=team)
        for name in names
    }


def link(source, target, job="job"):
    services.lineage_record(actor=None, source=source, target=target, job_name=job)


@pytest.fixture
def chain(team):
    """a → b → c → d → e"""
    ds = make_datasets(team, "a", "b", "c", "d", "e")
    for src, dst in itertools.pairwise("abcde"):
        link(ds[src], ds[dst])
    return ds


@pytest.fixture
def diamond(team):
    """a → b, a → c, b → d, c → d"""
    ds = make_datasets(team, "a", "b", "c", "d")
    for src, dst in ("ab", "ac", "bd", "cd"):
        link(ds[src], ds[dst])
    return ds


def lineage(client, dataset, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return client.get(f"/api/v1/datasets/{dataset.pk}/lineage/?{query}")


def names_at(body, ds):
    """{name: distance} of the graph's nodes, checking each appears once."""
    by_id = {d.pk: name for name, d in ds.items()}
    ids = [n["id"] for n in body["nodes"]]
    assert len(ids) == len(set(ids)), f"a node appears twice: {ids}"
    return {by_id[n["id"]]: n["distance"] for n in body["nodes"]}


def edge_names(body, ds):
    by_id = {d.pk: name for name, d in ds.items()}
    return sorted(by_id[e["source"]] + by_id[e["target"]] for e in body["edges"])


# --- Datasets: allowed ------------------------------------------------------------------------


def test_engineer_registers_dataset_with_personal_data_and_legal_basis(
    api, engineer, team, audit_log
):
    body = check(
        api(engineer).post(
            "/api/v1/datasets/",
            {
                "namespace": "postgres://crm",
                "name": "customers",
                "owner_team": "fraud-ml",
                "classification": "restricted",
                "contains_personal_data": True,
                "legal_basis": "contract",
                "retention_days": 365,
            },
            format="json",
        ),
        201,
    )
    assert body["owner_team"] == "fraud-ml"
    assert body["legal_basis"] == "contract"
    event = audit_log.assert_one("registry.dataset.created", actor=engineer)
    assert event.changes["contains_personal_data"] is True


def test_dataset_without_owner_team_is_changeable_by_its_creator_only(
    api, engineer, teammate, audit_log
):
    body = check(
        api(engineer).post(
            "/api/v1/datasets/", {"namespace": "file://", "name": "scratch"}, format="json"
        ),
        201,
    )
    path = f"/api/v1/datasets/{body['id']}/"
    check(api(engineer).patch(path, {"description": "mine"}, format="json"), 200)
    check(api(teammate).patch(path, {"description": "ours"}, format="json"), 403)


def test_teammate_updates_dataset_but_not_its_name(api, teammate, datasets, audit_log):
    raw = datasets["raw"]
    body = check(
        api(teammate).patch(
            f"/api/v1/datasets/{raw.pk}/",
            {"classification": "confidential", "name": "renamed", "namespace": "x"},
            format="json",
        ),
        200,
    )
    assert (body["namespace"], body["name"]) == ("s3://lake", "transactions/raw")
    assert body["classification"] == "confidential"
    event = audit_log.assert_one("registry.dataset.updated", actor=teammate)
    assert event.changes == {"classification": ["internal", "confidential"]}


def test_dataset_filters(api, engineer, datasets, other_team):
    services.dataset_create(
        actor=None,
        namespace="postgres://crm",
        name="customers",
        owner_team=other_team,
        contains_personal_data=True,
        legal_basis="consent",
        classification="restricted",
    )
    client = api(engineer)

    def names(query):
        return [d["name"] for d in check(client.get(f"/api/v1/datasets/?{query}"), 200)["results"]]

    assert names("owner_team=support-ai") == ["customers"]
    assert names("contains_personal_data=true") == ["customers"]
    assert names("classification=restricted") == ["customers"]
    assert names("namespace=s3://lake&search=hold") == ["transactions/holdout"]
    check(client.get("/api/v1/datasets/?classification=secret"), 400)


# --- Datasets: denied -------------------------------------------------------------------------


def test_anonymous_cannot_touch_datasets(api, datasets):
    raw = datasets["raw"]
    for resp in (
        api().get("/api/v1/datasets/"),
        api().get(f"/api/v1/datasets/{raw.pk}/"),
        api().get(f"/api/v1/datasets/{raw.pk}/lineage/"),
        api().post("/api/v1/datasets/", {"namespace": "n", "name": "x"}, format="json"),
        api().get("/api/v1/lineage-edges/"),
        api().post("/api/v1/lineage-edges/", {"source": raw.pk, "target": raw.pk}, format="json"),
    ):
        check(resp, 401)


@pytest.mark.parametrize("role", ["legal_reviewer", "executive", "auditor"])
def test_reviewers_executives_auditors_cannot_write_datasets_or_lineage(
    request, api, role, datasets
):
    client = api(request.getfixturevalue(role))
    raw, holdout = datasets["raw"], datasets["holdout"]
    with nothing_written(Dataset, DatasetLineage):
        check(client.post("/api/v1/datasets/", {"namespace": "n", "name": "x"}), 403)
        check(
            client.patch(f"/api/v1/datasets/{raw.pk}/", {"description": "x"}, format="json"),
            403,
        )
        check(
            client.post(
                "/api/v1/lineage-edges/", {"source": raw.pk, "target": holdout.pk}, format="json"
            ),
            403,
        )
    # …but they read everything.
    check(client.get(f"/api/v1/datasets/{raw.pk}/lineage/?direction=downstream"), 200)
    check(client.get("/api/v1/lineage-edges/"), 200)


def test_engineer_cannot_register_dataset_for_another_team(api, engineer, team, other_team):
    with nothing_written(Dataset):
        resp = api(engineer).post(
            "/api/v1/datasets/",
            {"namespace": "n", "name": "x", "owner_team": "support-ai"},
            format="json",
        )
        check(resp, 403)
    assert error_attrs(resp) == {"owner_team"}


def test_engineer_of_other_team_cannot_change_dataset(api, other_engineer, other_team, datasets):
    raw = datasets["raw"]
    with nothing_written(Dataset):
        check(
            api(other_engineer).patch(
                f"/api/v1/datasets/{raw.pk}/", {"classification": "public"}, format="json"
            ),
            403,
        )
    raw.refresh_from_db()
    assert raw.classification == "internal"


def test_engineer_cannot_hand_dataset_to_a_team_they_are_not_in(
    api, engineer, other_team, datasets
):
    raw = datasets["raw"]
    with nothing_written(Dataset):
        resp = api(engineer).patch(
            f"/api/v1/datasets/{raw.pk}/", {"owner_team": "support-ai"}, format="json"
        )
        check(resp, 403)
    assert error_attrs(resp) == {"owner_team"}


def test_engineer_of_other_team_cannot_record_lineage_into_our_dataset(
    api, other_engineer, other_team, datasets
):
    theirs = services.dataset_create(
        actor=None, namespace="s3://support", name="tickets", owner_team=other_team
    )
    with nothing_written(DatasetLineage):
        resp = api(other_engineer).post(
            "/api/v1/lineage-edges/",
            {"source": theirs.pk, "target": datasets["holdout"].pk},
            format="json",
        )
        check(resp, 403)
    assert error_attrs(resp) == {"target"}
    # Recording that their dataset derives from ours is theirs to say.
    check(
        api(other_engineer).post(
            "/api/v1/lineage-edges/",
            {"source": datasets["holdout"].pk, "target": theirs.pk},
            format="json",
        ),
        201,
    )


def test_unknown_dataset_is_404(api, engineer, datasets):
    check(api(engineer).get("/api/v1/datasets/99999/"), 404)
    check(api(engineer).get("/api/v1/datasets/99999/lineage/"), 404)
    check(api(engineer).get("/api/v1/lineage-edges/99999/"), 404)


# --- Datasets: invalid ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "attr"),
    [
        ({"namespace": ""}, "namespace"),
        ({"name": None}, "name"),
        ({"owner_team": "nope"}, "owner_team"),
        ({"classification": "secret"}, "classification"),
        ({"contains_personal_data": "maybe"}, "contains_personal_data"),
        ({"contains_personal_data": True}, "legal_basis"),
        ({"contains_personal_data": True, "legal_basis": ""}, "legal_basis"),
        ({"legal_basis": "because"}, "legal_basis"),
        ({"retention_days": -1}, "retention_days"),
        ({"retention_days": "a year"}, "retention_days"),
        ({"retention_days": 2**63}, "retention_days"),
        ({"retention_days": 36_501}, "retention_days"),  # more than a century
    ],
)
def test_invalid_dataset_is_refused_naming_the_field(api, engineer, team, overrides, attr):
    data = {"namespace": "s3://lake", "name": "new", "owner_team": "fraud-ml", **overrides}
    with nothing_written(Dataset):
        resp = api(engineer).post("/api/v1/datasets/", data, format="json")
        check(resp, 400)
    assert error_attrs(resp) == {attr}


def test_duplicate_dataset_name_is_a_conflict(api, engineer, datasets):
    with nothing_written(Dataset):
        resp = api(engineer).post(
            "/api/v1/datasets/",
            {"namespace": "s3://lake", "name": "transactions/raw"},
            format="json",
        )
        check(resp, 409)
    assert error_attrs(resp) == {"name"}


def test_marking_dataset_personal_without_legal_basis_is_refused(api, engineer, datasets):
    raw = datasets["raw"]
    with nothing_written(Dataset):
        resp = api(engineer).patch(
            f"/api/v1/datasets/{raw.pk}/", {"contains_personal_data": True}, format="json"
        )
        check(resp, 400)
    assert error_attrs(resp) == {"legal_basis"}
    raw.refresh_from_db()
    assert raw.contains_personal_data is False


def test_clearing_legal_basis_of_personal_dataset_is_refused(api, engineer, team):
    ds = services.dataset_create(
        actor=None,
        namespace="n",
        name="people",
        owner_team=team,
        contains_personal_data=True,
        legal_basis="consent",
    )
    with nothing_written(Dataset):
        resp = api(engineer).patch(f"/api/v1/datasets/{ds.pk}/", {"legal_basis": ""}, format="json")
        check(resp, 400)
    assert error_attrs(resp) == {"legal_basis"}


def test_dataset_etag(api, engineer, teammate, datasets):
    client = api(engineer)
    path = f"/api/v1/datasets/{datasets['raw'].pk}/"
    etag = client.get(path)["ETag"]
    assert etag
    check(api(teammate).patch(path, {"source": "core banking"}, format="json"), 200)
    with nothing_written(Dataset):
        check(client.patch(path, {"source": "cards"}, format="json", HTTP_IF_MATCH=etag), 412)
    assert Dataset.objects.get(pk=datasets["raw"].pk).source == "core banking"
    current = client.get(path)["ETag"]
    resp = client.patch(path, {"source": "cards"}, format="json", HTTP_IF_MATCH=current)
    check(resp, 200)
    assert resp["ETag"] not in (etag, current)


def test_dataset_list_query_count_is_flat(api, engineer, team, django_assert_max_num_queries):
    def add(n):
        for _ in range(n):
            services.dataset_create(
                actor=engineer, namespace="s3://many", name=f"d{next(_n)}", owner_team=team
            )

    assert_list_queries_flat(
        api(engineer), "/api/v1/datasets/", django_assert_max_num_queries, ceiling=2, add_rows=add
    )


# --- Lineage edges ----------------------------------------------------------------------------


def test_engineer_records_lineage_once(api, engineer, datasets, audit_log):
    client = api(engineer)
    data = {
        "source": datasets["raw"].pk,
        "target": datasets["holdout"].pk,
        "job_namespace": "airflow",
        "job_name": "split_holdout",
        "run_id": "r1",
    }
    body = check(client.post("/api/v1/lineage-edges/", data, format="json"), 201)
    assert (body["source"], body["target"]) == (datasets["raw"].pk, datasets["holdout"].pk)
    audit_log.assert_one("registry.lineage.recorded", actor=engineer)
    again = check(client.post("/api/v1/lineage-edges/", data, format="json"), 200)
    assert again["id"] == body["id"]
    audit_log.assert_none()
    got = check(client.get(f"/api/v1/lineage-edges/{body['id']}/"), 200)
    assert got["job_name"] == "split_holdout"


def test_lineage_edge_filters(api, engineer, chain):
    client = api(engineer)

    def pairs(query):
        body = check(client.get(f"/api/v1/lineage-edges/?{query}"), 200)
        return edge_names({"edges": body["results"]}, chain)

    assert pairs(f"dataset={chain['c'].pk}") == ["bc", "cd"]
    assert pairs(f"source={chain['a'].pk}") == ["ab"]
    assert pairs(f"target={chain['e'].pk}") == ["de"]


@pytest.mark.parametrize(
    ("data", "attr"),
    [
        ({"source": 99999}, "source"),
        ({"target": 99999}, "target"),
        ({"source": "raw"}, "source"),
        ({"target": None}, "target"),
        ({"source": [1]}, "source"),
        ({"job_name": "j" * 501}, "job_name"),
    ],
)
def test_invalid_lineage_edge_is_refused_naming_the_field(api, engineer, datasets, data, attr):
    payload = {"source": datasets["raw"].pk, "target": datasets["holdout"].pk, **data}
    with nothing_written(DatasetLineage):
        resp = api(engineer).post("/api/v1/lineage-edges/", payload, format="json")
        check(resp, 400)
    assert error_attrs(resp) == {attr}


def test_self_loop_is_refused(api, engineer, datasets):
    raw = datasets["raw"]
    with nothing_written(DatasetLineage):
        resp = api(engineer).post(
            "/api/v1/lineage-edges/", {"source": raw.pk, "target": raw.pk}, format="json"
        )
        check(resp, 409)
    assert error_attrs(resp) == {"source"}
    assert resp.json()["errors"][0]["code"] == "cycle"


def test_edge_closing_a_direct_cycle_is_refused(api, engineer, datasets):
    # raw → features exists; features → raw would close a loop.
    with nothing_written(DatasetLineage):
        resp = api(engineer).post(
            "/api/v1/lineage-edges/",
            {"source": datasets["features"].pk, "target": datasets["raw"].pk},
            format="json",
        )
        check(resp, 409)
    assert error_attrs(resp) == {"source"}


def test_edge_closing_a_long_cycle_is_refused(api, engineer, chain):
    with nothing_written(DatasetLineage):
        resp = api(engineer).post(
            "/api/v1/lineage-edges/",
            {"source": chain["e"].pk, "target": chain["a"].pk, "job_name": "loop"},
            format="json",
        )
        check(resp, 409)
    assert error_attrs(resp) == {"source"}
    assert resp.json()["errors"][0]["code"] == "cycle"
    # A shortcut in the same direction is no cycle.
    check(
        api(engineer).post(
            "/api/v1/lineage-edges/",
            {"source": chain["a"].pk, "target": chain["e"].pk},
            format="json",
        ),
        201,
    )


def test_lineage_edge_list_query_count_is_flat(api, engineer, team, django_assert_max_num_queries):
    hub = services.dataset_create(actor=None, namespace="s3://many", name="hub", owner_team=team)

    def add(n):
        for _ in range(n):
            leaf = services.dataset_create(
                actor=None, namespace="s3://many", name=f"leaf{next(_n)}", owner_team=team
            )
            link(hub, leaf)

    assert_list_queries_flat(
        api(engineer),
        "/api/v1/lineage-edges/",
        django_assert_max_num_queries,
        ceiling=2,
        add_rows=add,
    )


# --- Lineage graphs ---------------------------------------------------------------------------


def test_chain_downstream_stops_at_depth_and_says_truncated(api, engineer, chain):
    body = check(lineage(api(engineer), chain["a"], direction="downstream", depth=2), 200)
    assert body["direction"] == "downstream"
    assert body["depth"] == 2
    assert body["truncated"] is True
    assert names_at(body, chain) == {"a": 0, "b": 1, "c": 2}
    assert edge_names(body, chain) == ["ab", "bc"]


def test_chain_downstream_reaches_the_end_at_full_depth(api, engineer, chain):
    body = check(lineage(api(engineer), chain["a"], direction="downstream", depth=4), 200)
    assert body["truncated"] is False
    assert names_at(body, chain) == {"a": 0, "b": 1, "c": 2, "d": 3, "e": 4}
    assert edge_names(body, chain) == ["ab", "bc", "cd", "de"]


def test_chain_upstream_to_depth(api, engineer, chain):
    client = api(engineer)
    body = check(lineage(client, chain["e"], direction="upstream", depth=2), 200)
    assert body["truncated"] is True
    assert names_at(body, chain) == {"e": 0, "d": 1, "c": 2}
    body = check(lineage(client, chain["e"], depth=4), 200)  # upstream is the default
    assert body["direction"] == "upstream"
    assert body["truncated"] is False
    assert names_at(body, chain) == {"e": 0, "d": 1, "c": 2, "b": 3, "a": 4}
    body = check(lineage(client, chain["e"], depth=20), 200)
    assert body["truncated"] is False
    assert len(body["nodes"]) == 5


def test_diamond_upstream_lists_each_dataset_once(api, engineer, diamond):
    body = check(lineage(api(engineer), diamond["d"], direction="upstream", depth=2), 200)
    assert names_at(body, diamond) == {"d": 0, "b": 1, "c": 1, "a": 2}
    assert edge_names(body, diamond) == ["ab", "ac", "bd", "cd"]
    assert len(body["edges"]) == 4
    assert body["truncated"] is False


def test_diamond_downstream(api, engineer, diamond):
    client = api(engineer)
    body = check(lineage(client, diamond["a"], direction="downstream", depth=2), 200)
    assert names_at(body, diamond) == {"a": 0, "b": 1, "c": 1, "d": 2}
    assert edge_names(body, diamond) == ["ab", "ac", "bd", "cd"]
    assert body["truncated"] is False
    body = check(lineage(client, diamond["a"], direction="downstream", depth=1), 200)
    assert names_at(body, diamond) == {"a": 0, "b": 1, "c": 1}
    assert edge_names(body, diamond) == ["ab", "ac"]
    assert body["truncated"] is True


def test_isolated_dataset_has_a_graph_of_itself(api, engineer, datasets):
    body = check(lineage(api(engineer), datasets["holdout"], direction="downstream"), 200)
    assert [n["id"] for n in body["nodes"]] == [datasets["holdout"].pk]
    assert body["edges"] == []
    assert body["truncated"] is False
    assert body["depth"] == 5  # the default


@pytest.mark.parametrize("depth", ["0", "21", "x", "-1", "2.5"])
def test_bad_lineage_depth_is_refused(api, engineer, chain, version, depth):
    client = api(engineer)
    for resp in (
        lineage(client, chain["a"], depth=depth),
        client.get(f"/api/v1/model-versions/{version.pk}/lineage/?depth={depth}"),
    ):
        check(resp, 400)
        assert error_attrs(resp) == {"depth"}


@pytest.mark.parametrize("direction", ["sideways", "UPSTREAM", ""])
def test_bad_lineage_direction_is_refused(api, engineer, chain, direction):
    resp = lineage(api(engineer), chain["a"], direction=direction)
    check(resp, 400)
    assert error_attrs(resp) == {"direction"}


def test_version_lineage_counts_the_link_hop(api, engineer, version, datasets):
    client = api(engineer)
    body = check(client.get(f"/api/v1/model-versions/{version.pk}/lineage/?depth=1"), 200)
    assert body["model_version"] == version.pk
    assert {(d["dataset"], d["role"]) for d in body["datasets"]} == {
        (datasets["features"].pk, "training"),
        (datasets["holdout"].pk, "evaluation"),
    }
    assert names_at(body, datasets) == {"features": 1, "holdout": 1}
    assert body["edges"] == []
    assert body["truncated"] is True  # raw lies beyond

    body = check(client.get(f"/api/v1/model-versions/{version.pk}/lineage/?depth=2"), 200)
    assert names_at(body, datasets) == {"features": 1, "holdout": 1, "raw": 2}
    assert edge_names(body, datasets) == ["rawfeatures"]
    assert body["truncated"] is False


def test_version_lineage_through_a_diamond(api, engineer, model, diamond):
    mv = services.version_create(
        actor=None, model=model, version="3", datasets=[(diamond["d"], DatasetRole.TRAINING)]
    )
    body = check(api(engineer).get(f"/api/v1/model-versions/{mv.pk}/lineage/?depth=3"), 200)
    assert names_at(body, diamond) == {"d": 1, "b": 2, "c": 2, "a": 3}
    assert len(body["edges"]) == 4
    assert body["truncated"] is False


def _fan_in(team, width, depth):
    """A target with ``width`` parents at every level, ``depth`` levels up."""
    target = services.dataset_create(
        actor=None, namespace="s3://fan", name=f"t{next(_n)}", owner_team=team
    )
    level = [target]
    for _ in range(depth):
        parents = []
        for child in level[:1]:
            for _ in range(width):
                p = services.dataset_create(
                    actor=None, namespace="s3://fan", name=f"p{next(_n)}", owner_team=team
                )
                link(p, child)
                parents.append(p)
        level = parents
    return target


def _lineage_queries(client, dataset, depth, assert_max_queries, ceiling):
    with assert_max_queries(ceiling) as ctx:
        body = check(lineage(client, dataset, depth=depth), 200)
    return len(ctx.captured_queries), len(body["nodes"])


def test_lineage_queries_grow_with_depth_not_with_nodes(
    api, engineer, team, django_assert_max_num_queries
):
    client = api(engineer)
    narrow = _fan_in(team, width=1, depth=3)
    wide = _fan_in(team, width=10, depth=3)
    # object, one query per level, "anything beyond?", the nodes in one query
    q_narrow, n_narrow = _lineage_queries(client, narrow, 3, django_assert_max_num_queries, 6)
    q_wide, n_wide = _lineage_queries(client, wide, 3, django_assert_max_num_queries, 6)
    assert (n_narrow, n_wide) == (4, 31)
    assert q_narrow == q_wide
    q_shallow, _ = _lineage_queries(client, wide, 1, django_assert_max_num_queries, 4)
    assert q_shallow == q_wide - 2


def test_version_lineage_queries_grow_with_depth_not_with_nodes(
    api, engineer, team, model, django_assert_max_num_queries
):
    client = api(engineer)
    counts = []
    for width in (1, 10):
        top = _fan_in(team, width=width, depth=2)
        mv = services.version_create(
            actor=None,
            model=model,
            version=f"w{width}",
            datasets=[(top, DatasetRole.TRAINING)],
        )
        with django_assert_max_num_queries(6) as ctx:
            check(client.get(f"/api/v1/model-versions/{mv.pk}/lineage/?depth=3"), 200)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_owning_team_cannot_be_dropped(api, engineer, teammate, datasets):
    raw = datasets["raw"]
    with nothing_written(Dataset):
        resp = api(engineer).patch(
            f"/api/v1/datasets/{raw.pk}/", {"owner_team": None}, format="json"
        )
        check(resp, 409)
    assert error_attrs(resp) == {"owner_team"}
    check(
        api(teammate).patch(f"/api/v1/datasets/{raw.pk}/", {"description": "x"}, format="json"),
        200,
    )


def test_owning_team_can_be_handed_over_and_the_grant_follows(
    api, admin_user, engineer, other_engineer, other_team, datasets
):
    raw = datasets["raw"]
    path = f"/api/v1/datasets/{raw.pk}/"
    check(api(admin_user).patch(path, {"owner_team": "support-ai"}, format="json"), 200)
    check(api(other_engineer).patch(path, {"description": "ours now"}, format="json"), 200)
    check(api(engineer).patch(path, {"description": "still mine?"}, format="json"), 403)


def _graph_view(graph):
    return (
        graph.distance,
        [e.pk for e in graph.edges],
        sorted(graph.nodes),
        graph.truncated,
    )


@pytest.mark.parametrize("depth", [1, 2, 3, 5])
def test_versions_upstream_at_once_equals_each_on_its_own(
    team, model, chain, depth, django_assert_max_num_queries
):
    """The batched walk (the system page's) gives each version the graph a walk from it alone
    gives — distances, edges in order, nodes and truncation — although a dataset lies at
    different distances from different versions (c is one hop from one, three from another)."""

    made = [
        ("near", [chain["c"]]),  # c ← b ← a
        ("far", [chain["e"]]),  # e ← d ← c ← b ← a
        ("both", [chain["e"], chain["b"]]),
        ("none", []),
    ]
    versions = [
        services.version_create(
            actor=None,
            model=model,
            version=name,
            datasets=[(d, DatasetRole.TRAINING) for d in datasets],
        )
        for name, datasets in made
    ]
    alone = {v.pk: selectors.version_upstream(v, depth=depth) for v in versions}
    # depth - 1 levels of edges, the level beyond, the datasets, and the versions' links.
    with django_assert_max_num_queries(depth + 2):
        together = selectors.versions_upstream(versions, depth=depth)
    assert together.keys() == alone.keys()
    for pk, (links, graph) in together.items():
        assert [link.pk for link in links] == [link.pk for link in alone[pk][0]]
        assert _graph_view(graph) == _graph_view(alone[pk][1])
        assert graph.depth == depth
    # And what that is, for one depth: "far" sees two hops beyond e and stops with more.
    if depth == 3:
        graph = together[versions[1].pk][1]
        assert {graph.nodes[i].name for i in graph.distance} == {"e", "d", "c"}
        assert graph.truncated
        assert not together[versions[0].pk][1].truncated  # c, b, a: nothing beyond a
