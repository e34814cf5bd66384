"""``manage.py seed_governance_demo [--force]``: kept for compatibility with docs and scripts
written when the governance part of the demo had a command of its own.

It now runs the same seeding as ``manage.py seed_demo``, which loads the whole demo
organisation, governance included; on a database where that is done, it does nothing.
"""

from __future__ import annotations

from .seed_demo import Command as SeedDemo


class Command(SeedDemo):
    help = "Kept for compatibility: the same as seed_demo, which now seeds the governance too."
