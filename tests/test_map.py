"""The accountability map: every gap flag on a constructed organisation, the filters, the CSV,
the graph, the JSON API, who may see it, and a query count that does not grow with systems."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from itertools import count

import pytest
from django.utils import timezone

from governance.approvals.choices import ApprovalStatus
from governance.approvals.models import ApprovalRequest, DeploymentApproval
from governance.map import permissions
from governance.map.rows import GAPS, MapFilters
from governance.map.selectors import accountability_map
from governance.reviews.models import RiskReview
from registry.core.roles import Role
from registry.inventory import services
from registry.inventory.choices import (
    CostSource,
    Environment,
    IncidentSeverity,
    Lifecycle,
    RiskTier,
)
from registry.inventory.models import Incident
from registry.people import services as people_services
from tests.conftest import make_user
from tests.helpers import check

pytestmark = pytest.mark.django_db

NOW = timezone.now()
_seq = count(1)


class Org:
    """Builds systems with exactly the facts a test needs, through the registry's services
    (approvals, reviews and incidents are written directly: their workflows are not the
    subject here)."""

    def __init__(self, team, owner, executive, requester):
        self.team, self.owner, self.executive, self.requester = team, owner, executive, requester

    def system(self, name: str, **over):
        data = {
            "owning_team": self.team,
            "name": name,
            "purpose": "Test.",
            "risk_tier": RiskTier.MINIMAL,
            "lifecycle": Lifecycle.PRODUCTION,
            "technical_owner": self.owner,
            "accountable_executive": self.executive,
            "cost_centre": "CC-1",
            "monthly_budget": Decimal("1000.00"),
        } | over
        return services.system_create(actor=None, **data)

    def version(self, system):
        model = services.model_create(actor=None, system=system, name=f"m{next(_seq)}")
        return services.version_create(
            actor=None, model=model, version="1", artifact_sha256=f"{next(_seq):064x}"
        )

    def deploy(self, system, approval_status: str | None = None, **approval):
        mv = self.version(system)
        deployment = services.deployment_create(
            actor=None, model_version=mv, environment=Environment.PRODUCTION
        )
        if approval_status is not None:
            request = ApprovalRequest.objects.create(
                model_version=mv,
                environment=Environment.PRODUCTION,
                requested_by=self.requester,
                justification="Test.",
                status=approval_status,
                risk_tier=system.risk_tier,
                required_functions=["security"],
                due_at=NOW + dt.timedelta(days=3),
                decided_at=NOW,
                first_deployed_at=NOW,
                **approval,
            )
            DeploymentApproval.objects.create(deployment=deployment, approval=request)
        return deployment

    def cost(self, system, amount: str, period: dt.date | None = None):
        services.cost_record(
            actor=None,
            system=system,
            period=period or timezone.localdate().replace(day=1),
            amount=Decimal(amount),
            currency="EUR",
            source=CostSource.CLOUD_BILL,
        )


@pytest.fixture
def org(team, engineer, executive):
    requester = make_user("req", Role.ENGINEER)
    return Org(team, engineer, executive, requester)


def rows_by_name(amap):
    return {row.system.name: row for row in amap.rows}


@pytest.fixture
def gaps_fixture(org, team):
    """One system per gap, and one with none."""
    ok = org.system("All good")
    org.deploy(ok, ApprovalStatus.APPROVED)
    org.cost(ok, "900")
    org.system("No owner", technical_owner=None)
    left = make_user("leaver", Role.ENGINEER, is_active=False)
    org.system("Owner left", technical_owner=left)
    org.deploy(org.system("Unapproved"))
    org.deploy(org.system("Expired"), ApprovalStatus.EXPIRED)
    org.deploy(org.system("Invalidated"), ApprovalStatus.INVALIDATED)
    reviewed = org.system("Review late")
    clock = org.system("Clock running")
    Incident.objects.create(
        system=clock,
        title="Wrongful denials",
        severity=IncidentSeverity.HIGH,
        opened_at=NOW - dt.timedelta(days=2),
        is_serious=True,
        report_due_at=NOW + dt.timedelta(days=5),
    )
    reported = org.system("Reported in time")
    Incident.objects.create(
        system=reported,
        title="Reported",
        severity=IncidentSeverity.HIGH,
        opened_at=NOW - dt.timedelta(days=2),
        is_serious=True,
        report_due_at=NOW + dt.timedelta(days=5),
        reported_at=NOW,
    )
    spender = org.system("Overspent")
    org.cost(spender, "1000.01")
    org.system("Nobody pays", cost_centre="")
    RiskReview.objects.create(
        system=reviewed, function="security", due_at=NOW - dt.timedelta(days=1)
    )
    RiskReview.objects.create(system=ok, function="security", due_at=NOW + dt.timedelta(days=30))
    return org


EXPECTED = {
    "All good": [],
    "No owner": ["no_owner"],
    "Owner left": ["owner_inactive"],
    "Unapproved": ["unapproved_production"],
    "Expired": ["unapproved_production", "approval_expired"],
    "Invalidated": ["unapproved_production", "approval_invalidated"],
    "Clock running": ["reporting_clock"],
    "Reported in time": [],
    "Overspent": ["over_budget"],
    "Nobody pays": ["no_cost_centre"],
    "Review late": ["review_overdue"],
}


def test_every_gap_is_flagged_on_the_system_it_belongs_to(gaps_fixture):
    rows = rows_by_name(accountability_map())
    assert {name: row.gap_codes for name, row in rows.items()} == EXPECTED
    assert rows["All good"].approval_status == "valid"
    assert rows["Unapproved"].approval_status == "none"
    assert rows["Expired"].approval_status == "expired"
    assert rows["Invalidated"].approval_status == "invalidated"
    assert rows["Clock running"].open_incidents == 1
    assert rows["Overspent"].spend_this_month == Decimal("1000.01")
    assert "1,000.01 of 1,000.00 EUR" in rows["Overspent"].gaps[0].text
    late = rows["Review late"]
    assert [c.status for c in late.reviews if c.function == "security"] == ["overdue"]
    assert late.overdue_items == 1
    assert [c.status for c in rows["All good"].reviews] == ["open"]


def test_an_approved_request_that_lapsed_unused_counts_as_expired(org):
    lapsed = org.system("Lapsed")
    mv = org.version(lapsed)
    ApprovalRequest.objects.create(
        model_version=mv,
        environment=Environment.PRODUCTION,
        requested_by=org.requester,
        justification="Test.",
        status=ApprovalStatus.APPROVED,
        risk_tier=lapsed.risk_tier,
        required_functions=["security"],
        due_at=NOW,
        expires_at=NOW - dt.timedelta(hours=1),
    )
    row = rows_by_name(accountability_map())["Lapsed"]
    assert row.approval_status == "expired"
    assert "approval_expired" in row.gap_codes


def test_map_page_shows_each_gap_in_words(client, executive, gaps_fixture):
    client.force_login(executive)
    html = client.get("/map/").content.decode()
    for codes in EXPECTED.values():
        for code in codes:
            assert GAPS[code] in html, code
    assert 'data-gap="reporting_clock"' in html
    assert "⚠" in html  # an icon as well as colour
    assert '<a href="/systems/' in html


def test_gaps_only_filter_hides_systems_without_gaps(client, executive, gaps_fixture):
    amap = accountability_map(filters=MapFilters(gaps_only=True))
    names = {r.system.name for r in amap.rows}
    assert names == {n for n, codes in EXPECTED.items() if codes}
    assert amap.total_systems == len(EXPECTED)
    client.force_login(executive)
    html = client.get("/map/?gaps=1").content.decode()
    assert "All good" not in html
    assert "Overspent" in html


def test_filters_by_executive_team_and_tier(org, other_team, engineer, executive):
    other_exec = make_user("olav", Role.EXECUTIVE)
    org.system("Mine high", risk_tier=RiskTier.HIGH)
    org.system("Theirs", accountable_executive=other_exec, owning_team=other_team)
    org.system("Nobody's", accountable_executive=None)

    def names(**f):
        return {r.system.name for r in accountability_map(filters=MapFilters(**f)).rows}

    assert names(executive=executive.pk) == {"Mine high"}
    assert names(executive=0) == {"Nobody's"}
    assert names(team=other_team.pk) == {"Theirs"}
    assert names(tier=RiskTier.HIGH) == {"Mine high"}
    assert "no_executive" in rows_by_name(accountability_map())["Nobody's"].gap_codes


def test_rows_are_grouped_executive_then_team(org, other_team):
    org.system("B")
    org.system("A", owning_team=other_team)
    org.system("C", accountable_executive=None)
    groups = accountability_map().groups
    assert [g.name for g in groups][-1] == "No accountable executive"
    assert [t.team.name for t in groups[0].teams] == ["Fraud ML", "Support AI"]


@pytest.mark.parametrize("query", ["tier=huge", "executive=x", "team=-1"])
def test_bad_filter_is_400(client, api, executive, query):
    client.force_login(executive)
    assert client.get(f"/map/?{query}").status_code == 400
    assert client.get(f"/map/export.csv?{query}").status_code == 400
    assert api(executive).get(f"/api/v1/accountability-map/?{query}").status_code == 400


def test_csv_exports_exactly_the_filtered_rows(client, executive, gaps_fixture):
    client.force_login(executive)
    response = client.get("/map/export.csv?gaps=1")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode()
    records = list(csv.DictReader(io.StringIO(text)))
    assert {r["system"] for r in records} == {n for n, c in EXPECTED.items() if c}
    by_name = {r["system"]: r for r in records}
    assert by_name["No owner"]["technical_owner"] == ""
    assert by_name["No owner"]["gaps"] == "No technical owner"
    assert by_name["Overspent"]["latest_month_spend"] == "1000.01"
    assert by_name["Unapproved"]["approval_status"] == "none"
    assert by_name["Clock running"]["report_due_at"]
    everything = client.get("/map/export.csv")
    all_records = list(csv.DictReader(io.StringIO(b"".join(everything.streaming_content).decode())))
    assert len(all_records) == len(EXPECTED)


def test_graph_links_each_system_to_its_page(client, executive, gaps_fixture, datasets):
    client.force_login(executive)
    html = client.get("/map/?view=graph").content.decode()
    assert "<svg" in html
    assert '<title id="map-graph-title">' in html
    amap = accountability_map(include_graph=True)
    for row in amap.rows:
        assert f'href="/systems/{row.system.slug}/"' in html
    unapproved = rows_by_name(amap)["Unapproved"]
    assert len(unapproved.versions) == 1
    assert unapproved.versions[0].deployments[0].environment == "production"


def test_graph_shows_upstream_datasets_of_deployed_versions(org, version, datasets):
    services.deployment_create(actor=None, model_version=version, environment="staging")
    row = rows_by_name(accountability_map(include_graph=True))["Fraud scoring"]
    assert row.versions[0].datasets == [
        "s3://lake/transactions/features",
        "s3://lake/transactions/holdout",
    ]


def test_json_api_returns_the_same_rows(api, executive, gaps_fixture):
    body = check(api(executive).get("/api/v1/accountability-map/?gaps=1"), 200)
    assert body["count"] == len([c for c in EXPECTED.values() if c])
    assert body["total_systems"] == len(EXPECTED)
    by_name = {s["name"]: s for s in body["systems"]}
    assert [g["code"] for g in by_name["Overspent"]["gaps"]] == ["over_budget"]
    assert by_name["Overspent"]["spend"]["latest_month_amount"] == "1000.01"
    assert by_name["No owner"]["technical_owner"] is None
    assert body["gap_counts"]["no_cost_centre"] == 1


@pytest.mark.parametrize("who", ["executive", "compliance_officer", "auditor", "admin_user"])
def test_oversight_roles_see_the_map(client, api, request, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.get("/map/").status_code == 200
    assert client.get("/map/export.csv").status_code == 200
    check(api(user).get("/api/v1/accountability-map/"), 200)


@pytest.mark.parametrize("who", ["engineer", "legal_reviewer", "finance_reviewer"])
def test_others_get_403_with_the_reason(client, api, request, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.get("/map/")
    assert response.status_code == 403
    assert client.get("/map/export.csv").status_code == 403
    check(api(user).get("/api/v1/accountability-map/"), 403)


def test_inactive_executive_account_is_refused(executive):
    executive.is_active = False
    executive.save()
    assert not permissions.can_view_accountability_map(executive)


def test_anonymous_is_sent_to_sign_in(client, api):
    response = client.get("/map/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert api().get("/api/v1/accountability-map/").status_code in (401, 403)


def test_htmx_request_gets_the_results_fragment(client, executive, gaps_fixture):
    client.force_login(executive)
    html = client.get("/map/?gaps=1", HTTP_HX_REQUEST="true").content.decode()
    assert html.lstrip().startswith('<div id="map-results"')
    assert "<html" not in html


def _populate(org: Org, n: int, start: int) -> None:
    """n systems, each with a production deployment (half approved), a cost, an incident and
    (when reviews exist) an overdue review: every kind of per-system fact the map reads."""
    for i in range(start, start + n):
        system = org.system(f"S{i:03d}", risk_tier=RiskTier.HIGH if i % 2 else RiskTier.MINIMAL)
        org.deploy(system, ApprovalStatus.APPROVED if i % 2 else None)
        org.cost(system, str(500 + i * 50))
        Incident.objects.create(
            system=system,
            title="x",
            severity=IncidentSeverity.LOW,
            opened_at=NOW,
            is_serious=bool(i % 3 == 0),
            report_due_at=NOW + dt.timedelta(days=1) if i % 3 == 0 else None,
        )
        RiskReview.objects.create(
            system=system, function="security", due_at=NOW - dt.timedelta(days=1)
        )


@pytest.mark.parametrize("url", ["/map/", "/map/?view=graph", "/map/?gaps=1&tier=high"])
def test_query_count_does_not_grow_with_systems(
    client, executive, org, url, django_assert_max_num_queries
):
    client.force_login(executive)
    counts = []
    for start, n in [(0, 5), (5, 45)]:
        _populate(org, n, start)
        with django_assert_max_num_queries(16) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], f"5 systems: {counts[0]} queries, 50 systems: {counts[1]}"
    assert response.content.decode().count('href="/systems/') >= (50 if "gaps" not in url else 1)


def test_csv_and_api_query_counts_are_flat(
    client, api, executive, org, django_assert_max_num_queries
):
    client.force_login(executive)
    reader = api(executive)
    reader.get("/api/v1/accountability-map/")  # warms the per-user role cache
    counts = []
    for start, n in [(0, 5), (5, 45)]:
        _populate(org, n, start)
        with django_assert_max_num_queries(18) as ctx:  # two requests
            b"".join(client.get("/map/export.csv").streaming_content)
            check(reader.get("/api/v1/accountability-map/"), 200)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_spend_this_month_counts_only_this_month(org):
    s = org.system("Seasonal")
    last_year = timezone.localdate().replace(day=1) - dt.timedelta(days=400)
    org.cost(s, "5000", period=last_year.replace(day=1))
    row = rows_by_name(accountability_map())["Seasonal"]
    assert row.spend_this_month is None
    assert row.latest_spend == Decimal("5000.00")
    assert "over_budget" in row.gap_codes  # its latest recorded month was over


def test_names_from_data_are_escaped_on_the_page(client, executive, org):
    """The table's rows are built in Python, outside the template's autoescaping: every name
    that comes from data must still reach the page escaped, never as markup."""
    script = "<script>alert('x')</script>"
    team = people_services.team_create(
        actor=None, name='<b>Team & "Co"</b>', function="engineering"
    )
    leaver = make_user("o<i>", Role.ENGINEER, is_active=False, last_name="<img src=x>")
    boss = make_user("x<u>", Role.EXECUTIVE, last_name="<em>Boss</em>", is_active=False)
    org.system(script, owning_team=team, technical_owner=leaver, accountable_executive=boss)
    client.force_login(executive)
    for url in ("/map/", "/map/?view=graph"):
        html = client.get(url).content.decode()
        for raw in (script, "<b>Team", "<img src=x>", "<em>Boss", "o<i>"):
            assert raw not in html, (url, raw)
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html, url
    html = client.get("/map/").content.decode()
    assert "&lt;b&gt;Team &amp; &quot;Co&quot;&lt;/b&gt;" in html
    assert "O&lt;i&gt; &lt;img src=x&gt;" in html  # the owner's name, then the gap's username
    assert "Technical owner has left (inactive): o&lt;i&gt;" in html
    assert "X&lt;u&gt; &lt;em&gt;Boss&lt;/em&gt;" in html
