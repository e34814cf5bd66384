"""Read queries of policies."""

from __future__ import annotations

from django.db.models import QuerySet

from governance.policies.models import Policy


def policy_list() -> QuerySet[Policy]:
    return Policy.objects.select_related("updated_by").order_by("id")
