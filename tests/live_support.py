"""Support for tests that run against a live server (``transaction=True``).

A transactional test ends with a flush that empties every table, including the rows the data
migrations created (the role groups, the audit chain's head, the default policies). The next
transactional test may therefore start on an empty database. ``serialized_rollback`` would
restore those rows, but it collides with the content types that a plain transactional test's
flush recreates before it (a UNIQUE error on ``django_content_type``), so these tests seed the
rows themselves instead — the data migrations' own functions, which are idempotent."""

from __future__ import annotations

import importlib

from django.apps import apps

_SEEDS = (
    "registry.migrations.0002_roles_and_chain_head",
    "governance.migrations.0002_default_policies",
)


def seed_migration_data() -> None:
    """Recreate what the data migrations create, if it is missing."""
    for module in _SEEDS:
        importlib.import_module(module).forwards(apps, None)
