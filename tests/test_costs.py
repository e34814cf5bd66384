"""Spend against budget: who records it, how a second figure replaces the first, bad input, the
list, and the chart the system page draws."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from registry.core.roles import Role
from registry.inventory import selectors, services
from registry.inventory.choices import CostSource
from registry.inventory.models import CostRecord
from tests.api_checks import nothing_written
from tests.conftest import make_user
from tests.helpers import check, error_attrs

pytestmark = pytest.mark.django_db


def url(system) -> str:
    return f"/api/v1/systems/{system.pk}/costs/"


def body(**over):
    data = {"period": "2026-05", "amount": "1234.50", "currency": "EUR", "source": "cloud_bill"}
    return data | over


@pytest.fixture
def budgeted(system):
    return services.system_update(
        actor=None,
        system=system,
        data={"monthly_budget": Decimal("1000.00"), "cost_centre": "CC-1"},
    )


def test_finance_records_a_month(api, finance_reviewer, budgeted, audit_log):
    out = check(api(finance_reviewer).post(url(budgeted), body(), format="json"), 201)
    assert out["period"] == "2026-05"
    assert out["amount"] == "1234.50"
    assert out["recorded_by"] == finance_reviewer.username
    record = CostRecord.objects.get()
    assert record.period == dt.date(2026, 5, 1)
    event = audit_log.assert_one("registry.cost.recorded", actor=finance_reviewer)
    assert event.changes["amount"] == "1234.50"


def test_a_date_is_normalised_to_its_month(api, finance_reviewer, budgeted):
    out = check(api(finance_reviewer).post(url(budgeted), body(period="2026-05-17"), "json"), 201)
    assert out["period"] == "2026-05"
    assert CostRecord.objects.get().period == dt.date(2026, 5, 1)


def test_finops_pipeline_token_of_a_finance_user_records(token_client, budgeted):
    pipeline = make_user("finops-bot", Role.FINANCE)
    client = token_client(pipeline)
    check(client.post(url(budgeted), body(source="finops_pipeline"), format="json"), 201)
    assert CostRecord.objects.get().recorded_by == pipeline


def test_superuser_records(api, admin_user, budgeted):
    check(api(admin_user).post(url(budgeted), body(), format="json"), 201)


@pytest.mark.parametrize("who", ["engineer", "executive", "auditor", "compliance_officer"])
def test_others_may_not_record(api, request, who, budgeted):
    user = request.getfixturevalue(who)
    with nothing_written(CostRecord):
        response = api(user).post(url(budgeted), body(), format="json")
    check(response, 403)


def test_finance_executive_may_not_record(api, budgeted):
    """Read-only roles never write, whatever else they hold."""
    both = make_user("fin-exec", Role.FINANCE, Role.EXECUTIVE)
    check(api(both).post(url(budgeted), body(), format="json"), 403)


def test_anonymous_is_refused(api, budgeted):
    assert api().post(url(budgeted), body(), format="json").status_code in (401, 403)
    assert api().get(url(budgeted)).status_code in (401, 403)


def test_second_post_replaces_the_amount_and_audits_old_and_new(
    api, finance_reviewer, budgeted, audit_log
):
    client = api(finance_reviewer)
    check(client.post(url(budgeted), body(amount="100.00"), format="json"), 201)
    audit_log.mark()
    out = check(client.post(url(budgeted), body(amount="250.00"), format="json"), 200)
    assert out["amount"] == "250.00"
    assert CostRecord.objects.count() == 1
    event = audit_log.assert_one("registry.cost.replaced", actor=finance_reviewer)
    assert event.changes == {"amount": ["100.00", "250.00"]}


def test_same_figure_again_changes_nothing(api, finance_reviewer, budgeted, audit_log):
    client = api(finance_reviewer)
    check(client.post(url(budgeted), body(amount="100"), format="json"), 201)
    audit_log.mark()
    check(client.post(url(budgeted), body(amount="100.00"), format="json"), 200)
    audit_log.assert_none()


def test_each_source_keeps_its_own_record(api, finance_reviewer, budgeted):
    client = api(finance_reviewer)
    check(client.post(url(budgeted), body(source="cloud_bill"), format="json"), 201)
    check(client.post(url(budgeted), body(source="vendor_invoice"), format="json"), 201)
    check(client.post(url(budgeted), body(period="2026-06"), format="json"), 201)
    assert CostRecord.objects.count() == 3


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"period": "2026-13"}, "period"),
        ({"period": "May 2026"}, "period"),
        ({"period": 202605}, "period"),
        ({"period": "2026-02-30"}, "period"),
        ({"amount": "-1"}, "amount"),
        ({"amount": "lots"}, "amount"),
        ({"amount": "1.234"}, "amount"),
        ({"amount": "1" * 20}, "amount"),
        ({"currency": "EURO"}, "currency"),
        ({"currency": "USD"}, "currency"),  # not the budget's currency
        ({"source": "guess"}, "source"),
    ],
)
def test_bad_input_is_400_naming_the_field(api, finance_reviewer, budgeted, over, field):
    with nothing_written(CostRecord):
        response = api(finance_reviewer).post(url(budgeted), body(**over), format="json")
    check(response, 400)
    assert field in error_attrs(response)


@pytest.mark.parametrize("missing", ["period", "amount", "currency", "source"])
def test_missing_field_is_400_naming_it(api, finance_reviewer, budgeted, missing):
    data = body()
    del data[missing]
    response = api(finance_reviewer).post(url(budgeted), data, format="json")
    check(response, 400)
    assert missing in error_attrs(response)


def test_unknown_system_is_404(api, finance_reviewer):
    check(api(finance_reviewer).post("/api/v1/systems/999999/costs/", body(), "json"), 404)
    check(api(finance_reviewer).get("/api/v1/systems/999999/costs/"), 404)


def test_list_is_paginated_newest_first_with_flat_queries(
    api, engineer, budgeted, django_assert_max_num_queries
):
    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            year, month = 2020 + i // 12, i % 12 + 1
            services.cost_record(
                actor=None,
                system=budgeted,
                period=dt.date(year, month, 1),
                amount=Decimal(i),
                currency="EUR",
                source=CostSource.CLOUD_BILL,
            )

    client = api(engineer)
    counts = []
    for start, n in [(0, 3), (3, 20)]:
        add(n, start)
        with django_assert_max_num_queries(6) as ctx:
            out = check(client.get(url(budgeted) + "?page_size=2"), 200)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
    assert out["count"] == 23
    assert len(out["results"]) == 2
    assert [r["period"] for r in out["results"]] == ["2021-11", "2021-10"]


def test_spend_chart_draws_twelve_months_against_budget(budgeted):
    for period, amount in [(dt.date(2026, 5, 1), "1500"), (dt.date(2026, 4, 1), "400")]:
        services.cost_record(
            actor=None,
            system=budgeted,
            period=period,
            amount=Decimal(amount),
            currency="EUR",
            source=CostSource.CLOUD_BILL,
        )
    services.cost_record(
        actor=None,
        system=budgeted,
        period=dt.date(2026, 4, 1),
        amount=Decimal("100"),
        currency="EUR",
        source=CostSource.VENDOR_INVOICE,
    )
    spend = selectors.system_spend(budgeted, today=dt.date(2026, 6, 10))
    months = spend["spend_months"]
    assert len(months) == 12
    assert months[0].period == dt.date(2025, 7, 1)
    assert months[-1].period == dt.date(2026, 6, 1)
    by_period = {m.period: m for m in months}
    assert by_period[dt.date(2026, 4, 1)].amount == Decimal("500")
    assert by_period[dt.date(2026, 5, 1)].over_budget
    assert not by_period[dt.date(2026, 4, 1)].over_budget
    html = render_to_string("registry/_spend.html", {"system": budgeted, "spend": spend})
    assert "<svg" in html
    assert "<title" in html
    assert "Monthly spend of Fraud scoring" in html
    assert 'class="visually-hidden"' in html
    assert "May 2026" in html
    assert "over budget" in html
    assert html.count("<rect x=") == 2  # two months with records


def test_spend_partial_given_only_the_system_reads_the_selector(budgeted):
    services.cost_record(
        actor=None,
        system=budgeted,
        period=timezone.localdate(),
        amount=Decimal("10"),
        currency="EUR",
        source=CostSource.CLOUD_BILL,
    )
    html = render_to_string("registry/_spend.html", {"system": budgeted})
    assert html.count("<rect x=") == 1


def test_spend_partial_without_records_says_so(system):
    html = render_to_string("registry/_spend.html", {"system": system})
    assert "No spend recorded" in html
    assert "none" in html  # no cost centre
