"""Make the audit ledger append-only in the database itself.

The model already refuses to update or delete an event; these triggers refuse it to anything that
talks to the database directly (raw SQL, another client, a careless script):

* PostgreSQL: UPDATE and DELETE (per row) and TRUNCATE (per statement) on registry_auditevent.
* SQLite: UPDATE and DELETE (SQLite has no TRUNCATE).

One UPDATE is allowed: clearing ``actor_id`` and nothing else. That is what Django's
``on_delete=SET_NULL`` does when the user who acted is deleted; the event keeps the copied
``actor_name``, and the verifier accepts a NULL ``actor_id`` column whose canonical bytes name
an actor.

Note for later migrations: on SQLite, Django applies most ALTERs to a table by rebuilding it,
which drops its triggers. A migration that alters registry_auditevent must run
``SQLITE_INSTALL`` again afterwards. A database superuser can still disable triggers; the hash
chain and the signed checkpoints (``manage.py audit_verify``) are what catch that.
"""

from django.db import migrations

TABLE = "registry_auditevent"

# Every column of the table when this migration was written: an UPDATE must leave all of them
# but actor_id unchanged.
COLUMNS = (
    "id",
    "sequence",
    "created_at",
    "actor_name",
    "actor_token",
    "source",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
    "request_id",
    "ip_address",
    "user_agent",
    "prev_hash",
    "hash",
    "canonical",
)

POSTGRES_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION {TABLE}_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' THEN
            IF OLD.actor_id IS NOT NULL AND NEW.actor_id IS NULL
               AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id') THEN
                RETURN NEW;
            END IF;
        END IF;
        RAISE EXCEPTION '{TABLE} is append-only: % refused', TG_OP
            USING ERRCODE = 'restrict_violation';
    END;
    $$;
    """,
    f"""
    CREATE TRIGGER {TABLE}_no_update_delete
    BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION {TABLE}_append_only();
    """,
    f"""
    CREATE TRIGGER {TABLE}_no_truncate
    BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_append_only();
    """,
]

POSTGRES_REMOVE = [
    f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE};",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_update_delete ON {TABLE};",
    f"DROP FUNCTION IF EXISTS {TABLE}_append_only();",
]

_UNCHANGED = " AND ".join(f'NEW."{c}" IS OLD."{c}"' for c in COLUMNS)

SQLITE_INSTALL = [
    f"""
    CREATE TRIGGER {TABLE}_no_update
    BEFORE UPDATE ON {TABLE}
    FOR EACH ROW
    WHEN NOT (OLD.actor_id IS NOT NULL AND NEW.actor_id IS NULL AND {_UNCHANGED})
    BEGIN
        SELECT RAISE(ABORT, '{TABLE} is append-only: UPDATE refused');
    END;
    """,
    f"""
    CREATE TRIGGER {TABLE}_no_delete
    BEFORE DELETE ON {TABLE}
    FOR EACH ROW
    BEGIN
        SELECT RAISE(ABORT, '{TABLE} is append-only: DELETE refused');
    END;
    """,
]

SQLITE_REMOVE = [
    f"DROP TRIGGER IF EXISTS {TABLE}_no_update;",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_delete;",
]


def _statements(vendor: str, *, install: bool) -> list[str]:
    if vendor == "postgresql":
        return POSTGRES_INSTALL if install else POSTGRES_REMOVE
    if vendor == "sqlite":
        return SQLITE_INSTALL if install else SQLITE_REMOVE
    return []  # other databases: the model-level refusal is all there is


def install(apps, schema_editor):
    for sql in _statements(schema_editor.connection.vendor, install=True):
        schema_editor.execute(sql, params=None)


def remove(apps, schema_editor):
    for sql in _statements(schema_editor.connection.vendor, install=False):
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_roles_and_chain_head")]

    operations = [migrations.RunPython(install, remove)]
