"""The EU AI Act reporting clock of serious incidents (art. 73): 15 days from awareness in
general, 10 when a person died, 2 for a widespread infringement or a serious disruption of
critical infrastructure — computed by the registry's incident services, shown and filtered by
the API."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from registry.inventory import services
from registry.inventory.choices import SeriousIncidentCategory
from registry.inventory.models import Incident
from tests.api_checks import nothing_written
from tests.helpers import check, error_attrs

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/"
OPENED = dt.datetime(2026, 5, 4, 8, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("category", "days"),
    [
        (SeriousIncidentCategory.HARM, 15),
        (SeriousIncidentCategory.DEATH, 10),
        (SeriousIncidentCategory.WIDESPREAD_INFRINGEMENT, 2),
        (SeriousIncidentCategory.CRITICAL_INFRASTRUCTURE, 2),
    ],
)
def test_deadline_by_category_from_awareness(system, category, days):
    aware = OPENED - dt.timedelta(hours=6)
    incident = services.incident_create(
        actor=None,
        system=system,
        title="Serious",
        severity="critical",
        opened_at=OPENED,
        is_serious=True,
        serious_category=category,
        aware_at=aware,
    )
    assert incident.report_due_at == aware + dt.timedelta(days=days)


def test_awareness_defaults_to_opening_and_category_to_harm(system):
    incident = services.incident_create(
        actor=None, system=system, title="x", severity="high", opened_at=OPENED, is_serious=True
    )
    assert incident.serious_category == SeriousIncidentCategory.HARM
    assert incident.aware_at == OPENED
    assert incident.report_due_at == OPENED + dt.timedelta(days=15)


def test_an_incident_that_is_not_serious_has_no_clock(system):
    incident = services.incident_create(
        actor=None, system=system, title="x", severity="low", opened_at=OPENED
    )
    assert (incident.serious_category, incident.aware_at, incident.report_due_at) == (
        "",
        None,
        None,
    )


def test_the_deadline_is_computed_never_given(system):
    with pytest.raises(TypeError):
        services.incident_create(
            actor=None, system=system, title="x", severity="low", report_due_at=OPENED
        )


# --- Through the API --------------------------------------------------------------------------


def test_engineer_opens_a_fatal_incident_and_sees_its_deadline(api, engineer, system, audit_log):
    body = check(
        api(engineer).post(
            URL,
            {
                "system": system.pk,
                "title": "Triage model missed a sepsis case",
                "severity": "critical",
                "opened_at": OPENED.isoformat(),
                "is_serious": True,
                "serious_category": "death",
                # Read-only: the deadline follows from the category, whatever a client says.
                "report_due_at": "2030-01-01T00:00:00Z",
            },
            format="json",
        ),
        201,
    )
    assert dt.datetime.fromisoformat(body["report_due_at"]) == OPENED + dt.timedelta(days=10)
    assert dt.datetime.fromisoformat(body["aware_at"]) == OPENED
    assert body["report_overdue"] is True  # 2026-05-14 is long past
    event = audit_log.assert_one("registry.incident.created", actor=engineer)
    assert event.changes["serious_category"] == "death"


def test_a_category_without_is_serious_is_refused(api, engineer, system):
    with nothing_written(Incident):
        resp = api(engineer).post(
            URL,
            {
                "system": system.pk,
                "title": "x",
                "severity": "low",
                "serious_category": "critical_infrastructure",
            },
            format="json",
        )
    check(resp, 400)
    assert error_attrs(resp) == {"serious_category"}


def test_unknown_category_is_refused(api, engineer, system):
    resp = api(engineer).post(
        URL,
        {"system": system.pk, "title": "x", "severity": "low", "is_serious": True,
         "serious_category": "meh"},
        format="json",
    )  # fmt: skip
    check(resp, 400)
    assert error_attrs(resp) == {"serious_category"}


def test_reclassifying_starts_moves_and_stops_the_clock(api, engineer, system, audit_log):
    incident = services.incident_create(
        actor=None, system=system, title="Outage", severity="high", opened_at=OPENED
    )
    client = api(engineer)
    url = f"{URL}{incident.pk}/"
    found_serious = OPENED + dt.timedelta(days=1)
    audit_log.mark()
    with time_machine.travel(found_serious, tick=False):
        body = check(client.patch(url, {"is_serious": True}, format="json"), 200)
    # Found serious a day later: the clock starts then, not at opening.
    assert dt.datetime.fromisoformat(body["aware_at"]) == found_serious
    assert dt.datetime.fromisoformat(body["report_due_at"]) == found_serious + dt.timedelta(days=15)
    event = audit_log.assert_one("registry.incident.updated", actor=engineer)
    assert set(event.changes) == {"is_serious", "serious_category", "aware_at", "report_due_at"}

    body = check(
        client.patch(url, {"serious_category": "critical_infrastructure"}, format="json"), 200
    )
    assert dt.datetime.fromisoformat(body["report_due_at"]) == found_serious + dt.timedelta(days=2)

    body = check(client.patch(url, {"aware_at": OPENED.isoformat()}, format="json"), 200)
    assert dt.datetime.fromisoformat(body["report_due_at"]) == OPENED + dt.timedelta(days=2)

    body = check(client.patch(url, {"is_serious": False}, format="json"), 200)
    assert (body["serious_category"], body["aware_at"], body["report_due_at"]) == ("", None, None)

    resp = client.patch(url, {"reported_at": OPENED.isoformat()}, format="json")
    check(resp, 400)
    assert error_attrs(resp) == {"reported_at"}


def test_clock_filters(api, engineer, system):
    def make(title, **fields):
        return services.incident_create(
            actor=None, system=system, title=title, severity="high", opened_at=OPENED, **fields
        )

    late = make("late", is_serious=True, serious_category="death")
    reported = make("reported", is_serious=True, reported_at=OPENED + dt.timedelta(days=1))
    minor = make("minor")
    client = api(engineer)

    def ids(query: str) -> list[int]:
        return sorted(i["id"] for i in check(client.get(f"{URL}?{query}"), 200)["results"])

    assert ids("report_overdue=true") == [late.pk]
    assert ids("report_overdue=false") == sorted([reported.pk, minor.pk])
    assert ids("serious_category=death") == [late.pk]
    assert ids("is_serious=true&reported=false") == [late.pk]
    assert ids("reported=true") == [reported.pk]
    assert ids("report_due_before=2026-05-16T00:00:00Z") == [late.pk]
    check(client.get(f"{URL}?serious_category=meh"), 400)
