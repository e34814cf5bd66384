"""``{% system_spend system as spend %}``: the spend chart's data for a page that only has the
system (the partial ``registry/_spend.html`` calls it when not given ``spend``)."""

from __future__ import annotations

from typing import Any

from django import template

from registry.inventory import selectors
from registry.inventory.models import AISystem

register = template.Library()


@register.simple_tag
def system_spend(system: AISystem) -> dict[str, Any]:
    return selectors.system_spend(system)
