"""Append-only, enforced twice: the model refuses to change or remove an event, and so does the
database (triggers from migration 0003) when the ORM is bypassed. One update is allowed: the
``SET_NULL`` of the actor when the user who acted is deleted."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction

from registry.audit.models import AuditEvent, AuditLedgerError
from registry.audit.verify import verify_ledger
from registry.people import services
from registry.people.choices import TeamFunction
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
TABLE = AuditEvent._meta.db_table


@pytest.fixture
def event(db) -> AuditEvent:
    services.team_create(actor=None, name="Ledger", function=TeamFunction.DATA)
    return AuditEvent.objects.get()


def _raw(sql: str, params=()) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- The model --------------------------------------------------------------------------------


def test_model_refuses_to_save_a_recorded_event(event):
    event.action = "registry.team.deleted"
    with pytest.raises(AuditLedgerError):
        event.save()


def test_model_refuses_to_delete_an_event(event):
    with pytest.raises(AuditLedgerError):
        event.delete()


def test_queryset_refuses_bulk_update_and_delete(event):
    with pytest.raises(AuditLedgerError):
        AuditEvent.objects.filter(pk=event.pk).update(action="registry.team.deleted")
    with pytest.raises(AuditLedgerError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AuditLedgerError):
        AuditEvent.objects.bulk_update([event], ["action"])
    assert AuditEvent.objects.get(pk=event.pk).action == "registry.team.created"


# --- The database -----------------------------------------------------------------------------


def test_database_refuses_update_through_the_orm(event):
    # Django's base manager does not know the ledger's rules: the trigger does.
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEvent._base_manager.filter(pk=event.pk).update(object_repr="Changed")
    assert AuditEvent.objects.get(pk=event.pk).object_repr == "Ledger"


def test_database_refuses_delete_through_the_orm(event):
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEvent._base_manager.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize(
    "sql",
    [
        f"UPDATE {TABLE} SET object_repr = 'Changed'",
        f"UPDATE {TABLE} SET hash = 'f'",
        f"UPDATE {TABLE} SET sequence = sequence + 100",
        # Clearing the actor is allowed only on its own:
        f"UPDATE {TABLE} SET actor_id = NULL, object_repr = 'Changed'",
        f"DELETE FROM {TABLE}",
    ],
)
def test_database_refuses_raw_update_and_delete(event, sql):
    before = list(AuditEvent.objects.values_list())
    with pytest.raises(IntegrityError, match="append-only"):
        _raw(sql)
    assert list(AuditEvent.objects.values_list()) == before


@pytest.mark.postgres
def test_postgres_refuses_truncate(event):
    # The event was inserted in this (test) transaction: fire its deferred foreign-key checks
    # now, or PostgreSQL refuses the TRUNCATE for that reason before the trigger is asked.
    _raw("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises(IntegrityError, match="append-only: TRUNCATE refused"):
        _raw(f"TRUNCATE {TABLE}")
    with pytest.raises(IntegrityError, match="append-only: TRUNCATE refused"):
        _raw(f"TRUNCATE {TABLE} CASCADE")
    assert AuditEvent.objects.count() == 1


def test_inserting_is_still_allowed(event):
    services.team_create(actor=None, name="Second", function=TeamFunction.DATA)
    assert AuditEvent.objects.count() == 2


# --- Deleting a user who acted ----------------------------------------------------------------


def test_deleting_a_user_who_acted_keeps_their_events_and_the_chain_verifies(db):
    admin = make_user("fay", is_superuser=True, last_name="Founder")
    team = services.team_create(actor=admin, name="Platform", function=TeamFunction.ENGINEERING)
    services.team_update(actor=admin, team=team, data={"description": "Shared services"})
    services.team_create(actor=None, name="Data", function=TeamFunction.DATA)
    assert verify_ledger().ok

    get_user_model().objects.filter(pk=admin.pk).delete()

    events = list(AuditEvent.objects.order_by("sequence"))
    assert [e.action for e in events] == [
        "registry.team.created",
        "registry.team.updated",
        "registry.team.created",
    ]
    assert [e.actor_id for e in events] == [None, None, None]
    assert [e.actor_name for e in events[:2]] == ["fay (Fay Founder)"] * 2
    result = verify_ledger()
    assert result.ok, result.summary()
    assert result.count == 3


def test_a_cleared_actor_does_not_excuse_an_edited_actor_name(db):
    from tests import audit_support as attack

    admin = make_user("founder", is_superuser=True)
    services.team_create(actor=admin, name="Platform", function=TeamFunction.ENGINEERING)
    admin.delete()
    with attack.triggers_lifted():
        attack.edit(1, actor_name="nobody")
    result = verify_ledger()
    assert not result.ok
    assert result.first_bad_sequence == 1
    assert "actor_name" in result.reason


def test_triggers_are_installed(db):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                [TABLE],
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE]
            )
        names = {row[0] for row in cursor.fetchall()}
    expected = (
        {f"{TABLE}_no_update_delete", f"{TABLE}_no_truncate"}
        if connection.vendor == "postgresql"
        else {f"{TABLE}_no_update", f"{TABLE}_no_delete"}
    )
    assert names == expected
