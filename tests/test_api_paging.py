"""Paging, ordering and unknown parameters on every list endpoint: a value a list does not take is
a 400 naming the parameter and what it takes — never a 200 with the default — and what the
schema declares is exactly what a list takes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from config.api_urls import router
from registry.api.filters import ordering_fields
from registry.api.pagination import MAX_PAGE_SIZE
from tests.helpers import check, error_attrs

pytestmark = pytest.mark.django_db

S = "/api/v1"
CONTRACT = json.loads((Path(__file__).resolve().parent.parent / "docs/openapi.json").read_text())


def _lists() -> list[tuple[str, object]]:
    """(list path, viewset) for every list endpoint of the router."""
    return [(f"{S}/{prefix}/", vs) for prefix, vs, _ in router.registry if hasattr(vs, "list")]


LISTS = _lists()
# The lists of one object's records, paginated like the router's.
NESTED = [f"{S}/systems/{{system}}/history/", f"{S}/systems/{{system}}/costs/"]
ALL_PATHS = [path for path, _ in LISTS] + NESTED

BAD_NUMBERS = ["-1", "0", "abc", "99999999999999999999", "1.5", "1e3", "0x10"]


def schema_parameters(path: str) -> set[str]:
    """The query parameters the committed schema declares for ``GET path``."""
    template = path.replace("{system}", "{system_pk}" if path.endswith("costs/") else "{id}")
    operation = CONTRACT["paths"][template]["get"]
    return {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}


@pytest.fixture
def get(api, auditor, system):
    """``get(path, params)`` as an auditor (who reads every list, the ledger included)."""
    client = api(auditor)

    def make(path: str, params: dict | None = None):
        return client.get(path.format(system=system.pk), params or {})

    return make


def test_the_sweep_sees_every_list():
    assert {p for p, _ in LISTS} >= {f"{S}/{name}/" for name in ("systems", "audit-events")}
    assert len(LISTS) == 16


@pytest.mark.parametrize("path", ALL_PATHS)
def test_a_bad_page_size_is_a_400_naming_it_and_the_range(get, path):
    for value in [*BAD_NUMBERS, str(MAX_PAGE_SIZE + 1)]:
        resp = get(path, {"page_size": value})
        check(resp, 400)
        assert error_attrs(resp) == {"page_size"}, (value, resp.json())
        if "page_size" in schema_parameters(path):
            assert f"1 to {MAX_PAGE_SIZE}" in resp.json()["errors"][0]["detail"]


@pytest.mark.parametrize("path", ALL_PATHS)
def test_the_largest_page_is_the_maximum(get, path):
    if "page_size" in schema_parameters(path):
        check(get(path, {"page_size": str(MAX_PAGE_SIZE)}), 200)


@pytest.mark.parametrize("path", ALL_PATHS)
def test_a_bad_page_number_is_a_400_naming_it(get, path):
    for value in BAD_NUMBERS:
        resp = get(path, {"page": value})
        check(resp, 400)
        assert error_attrs(resp) == {"page"}, (value, resp.json())


@pytest.mark.parametrize(("path", "viewset"), LISTS, ids=[p for p, _ in LISTS])
def test_ordering_takes_the_declared_fields_and_nothing_else(get, path, viewset):
    valid = ordering_fields(viewset)
    for value in ("password", "-password", "name,password", "__str__"):
        resp = get(path, {"ordering": value})
        check(resp, 400)
        assert error_attrs(resp) == {"ordering"}, (value, resp.json())
        detail = resp.json()["errors"][0]["detail"]
        assert all(field in detail for field in valid), detail
    for field in valid:
        check(get(path, {"ordering": field}), 200)
        check(get(path, {"ordering": "-" + field}), 200)
    if len(valid) > 1:
        check(get(path, {"ordering": f"-{valid[1]},{valid[0]}"}), 200)


@pytest.mark.parametrize("path", ALL_PATHS)
def test_an_unknown_parameter_is_a_400_naming_it_and_what_the_list_takes(get, path):
    resp = get(path, {"colour": "red", "sort": "name"})
    check(resp, 400)
    assert error_attrs(resp) == {"colour", "sort"}
    taken = resp.json()["errors"][0]["detail"].split("takes ", 1)[1].rstrip(".").split(", ")
    # What the list takes is what the schema declares (and DRF's format override).
    assert set(taken) == schema_parameters(path) | {"format"}


@pytest.mark.parametrize("path", ALL_PATHS)
def test_every_declared_parameter_is_taken(get, path):
    for name in schema_parameters(path):
        resp = get(path, {name: ""})
        # Empty means "no filter" (a choice among several refuses it, naming it — as a value,
        # not as an unknown parameter).
        assert resp.status_code in (200, 400), (name, resp.content[:300])
        if resp.status_code == 400:
            details = [e["detail"] for e in resp.json()["errors"]]
            assert not any("Unknown parameter" in d for d in details), (name, details)


def test_a_page_past_the_end_is_404_and_last_is_the_last(get, engineer):
    resp = get(f"{S}/users/", {"page": "99"})
    check(resp, 404)
    assert "the last is 1" in resp.json()["errors"][0]["detail"]
    assert check(get(f"{S}/users/", {"page": "last"}), 200)["results"]


def test_the_web_ui_and_mlflow_keep_their_own_parameters(client, engineer, system, model):
    # Only the REST framework's lists are strict: pages and MLflow take what they take.
    client.force_login(engineer)
    assert client.get("/systems/", {"page": "abc", "anything": "1"}).status_code == 200
    resp = client.get(
        "/api/2.0/mlflow/registered-models/search", {"max_results": "5", "extra": "x"}
    )
    assert resp.status_code == 200, resp.content
