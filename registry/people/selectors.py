"""Read queries of people."""

from __future__ import annotations

from django.db.models import QuerySet

from registry.people.models import Team


def team_list() -> QuerySet[Team]:
    return Team.objects.select_related("lead", "parent", "group")
