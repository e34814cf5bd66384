"""Extension points of the documents (the mechanism of ``registry.inventory.hooks``).

``section_providers``: capabilities the documents do not import add to the technical
documentation's sections — the monitoring plans of ``governance.monitoring`` to "Monitoring,
functioning and control" and the "Post-market monitoring plan", for instance. A provider is
registered in governance's AppConfig.ready (which may import both sides) and is called once per
assembly with ``(system=, versions=, now=)``; it returns a list of ``Contribution``, each to one
section: facts shown in the section, and checks that count towards its completeness. It must
read what it needs in a number of queries that does not grow with the versions or events
(the dossier's query count is pinned in the tests)."""

from __future__ import annotations

from dataclasses import dataclass, field

from registry.inventory.hooks import Hook


@dataclass
class Gap:
    """Something a section lacks, in words, with where to fix it."""

    text: str
    url: str = ""
    fix: str = ""


@dataclass
class Check:
    """One requirement of a section: met, or the gap that says what is missing."""

    ok: bool
    gap: Gap


@dataclass
class Contribution:
    """What a provider adds to one section (``section``: a ``Section`` value)."""

    section: str
    title: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    # Whether it provides the section's plan (post-market monitoring: a monitoring plan).
    provides_plan: bool = False


section_providers = Hook()
on_section = section_providers.register
