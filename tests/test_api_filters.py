"""Every filter of every list endpoint, given a value that is not what it takes: a 400 naming the
parameter, or (for free text) an answer — never a 500, and never a filter silently ignored."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from config.api_urls import router
from registry.api.filtersets import IdFilter, StrictBooleanFilter
from tests.helpers import check, error_attrs

pytestmark = pytest.mark.django_db

S = "/api/v1"

# Values that are no boolean, no id, no date and no choice; the long number overflows a 64-bit id
# (SQLite raises OverflowError for it, which must not reach the database).
GARBAGE = ["maybe", "1.5", "1e30", str(2**64), "-1", "  "]


def _list_filters() -> list[tuple[str, str, object]]:
    """(list path, parameter, filter) for every filter of every list endpoint."""
    found = []
    for prefix, viewset, _ in router.registry:
        filterset = getattr(viewset, "filterset_class", None)
        if filterset is None or not hasattr(viewset, "list"):
            continue
        for name, declared in filterset.base_filters.items():
            found.append((f"{S}/{prefix}/", name, declared))
    return found


FILTERS = _list_filters()


def test_the_sweep_sees_the_filters_that_matter():
    params = {(path, name) for path, name, _ in FILTERS}
    assert {
        (f"{S}/users/", "is_active"),
        (f"{S}/reviews/", "overdue"),
        (f"{S}/incidents/", "report_overdue"),
        (f"{S}/datasets/", "contains_personal_data"),
        (f"{S}/audit-events/", "after_sequence"),
        (f"{S}/findings/", "system"),
    } <= params
    assert len(FILTERS) > 60


@pytest.mark.parametrize(("path", "name", "declared"), FILTERS, ids=lambda x: str(x)[:40])
def test_a_bad_filter_value_is_a_400_naming_it_or_an_answer(api, auditor, path, name, declared):
    client = api(auditor)  # reads everything, the audit trail included
    for value in GARBAGE:
        resp = client.get(path, {name: value})
        assert resp.status_code in (200, 400), (value, resp.status_code, resp.content[:300])
        if resp.status_code == 400:
            assert error_attrs(resp) == {name}, (value, resp.json())
        elif isinstance(declared, StrictBooleanFilter | IdFilter) and value.strip():
            raise AssertionError(f"{path}?{name}={value!r} was answered 200, not refused")


@pytest.mark.parametrize(
    ("query", "expected"),
    [("true", [False]), ("FALSE", [True]), ("1", [False]), ("0", [True]), ("", [False, True])],
)
def test_booleans_take_true_false_1_0_in_any_case_and_empty_means_all(
    api, engineer, teammate, query, expected
):
    get_user_model().objects.filter(pk=teammate.pk).update(is_active=False)
    body = check(api(engineer).get(f"{S}/users/", {"is_active": query}), 200)
    got = sorted({not u["is_active"] for u in body["results"]})
    assert got == expected


def test_an_unknown_boolean_no_longer_returns_everything(api, engineer, system):
    resp = api(engineer).get(f"{S}/systems/", {"editable": "yes"})
    check(resp, 400)
    assert error_attrs(resp) == {"editable"}
    assert "true or false" in resp.json()["errors"][0]["detail"]
