"""Drop the unique index on AuditEvent.hash.

``prev_hash`` is unique, and two events with one hash would need one predecessor (or a SHA-256
collision), so the second unique index only cost every append a write into one more random-key
B-tree. On SQLite, Django applies this by rebuilding the table, which drops its triggers: the
append-only triggers of 0003 are installed again around it (both directions)."""

import importlib

from django.db import migrations, models

append_only = importlib.import_module("registry.migrations.0003_audit_append_only")


def reinstall_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for sql in append_only.SQLITE_REMOVE + append_only.SQLITE_INSTALL:
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("registry", "0006_incident_reporting_clock")]

    operations = [
        # Reversing: the AlterField below rebuilds the table again, then this reinstalls.
        migrations.RunPython(migrations.RunPython.noop, reinstall_sqlite_triggers),
        migrations.AlterField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(max_length=64),
        ),
        migrations.RunPython(reinstall_sqlite_triggers, migrations.RunPython.noop),
    ]
