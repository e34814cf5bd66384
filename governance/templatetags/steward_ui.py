"""Formatting filters for the web UI (presentation only: no rule is decided here)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django import template

register = template.Library()


@register.filter
def duration(value: dt.timedelta | None) -> str:
    """A span as people say it: "3 days 4 h", "5 h 10 min", "—" for None."""
    if value is None:
        return "—"
    seconds = int(value.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} day{'s' if days != 1 else ''} {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


@register.filter
def pretty_json(value: Any) -> str:
    """Compact, readable JSON for audit changes and metrics."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
