"""Template context for every page: the navigation, shaped by the user's roles.

Which links a role sees is a matter of presentation only; each page still asks the permission
predicates (each package's ``permissions`` module) before it shows or does
anything, so a hidden link is never the only guard."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, Resolver404, resolve, reverse

from registry.core.roles import REVIEW_FUNCTIONS, Role, roles_of

# (key, label, URL name or path) in the order they appear. The map is another part's app, so it
# is linked by its path and shown once that path resolves.
NAV_ITEMS: tuple[tuple[str, str, str], ...] = (
    ("dashboard", "Dashboard", "governance:dashboard"),
    ("map", "Map", "/map/"),
    ("systems", "Systems", "registry:systems"),
    ("queue", "My queue", "governance:queue"),
    ("approvals", "Approvals", "governance:approvals"),
    ("reviews", "Reviews", "governance:reviews"),
    ("policies", "Policies", "governance:policies"),
    ("audit", "Audit log", "registry:audit-log"),
)

_REVIEWER = frozenset({"queue", "approvals", "reviews"})
NAV_BY_ROLE: dict[str, frozenset[str]] = {
    Role.ENGINEER: frozenset({"dashboard", "systems", "queue", "approvals"}),
    **{role: _REVIEWER | {"dashboard", "systems"} for role in REVIEW_FUNCTIONS},
    Role.COMPLIANCE: _REVIEWER | {"dashboard", "map", "systems", "policies", "audit"},
    Role.EXECUTIVE: frozenset({"dashboard", "map", "systems"}),
    Role.AUDITOR: frozenset({"dashboard", "map", "audit", "systems"}),
}
# Where a path belongs, so the current section is marked (aria-current).
_SECTION_PREFIXES = (
    ("/map/", "map"),
    ("/systems/", "systems"),
    ("/queue/", "queue"),
    ("/approvals/", "approvals"),
    ("/reviews/", "reviews"),
    ("/policies/", "policies"),
    ("/audit/", "audit"),
)


def nav_keys(user: Any) -> frozenset[str]:
    """The navigation entries a user sees: the union over their roles (all for superusers)."""
    if user is None or not user.is_authenticated:
        return frozenset()
    if user.is_superuser:
        return frozenset(key for key, _, _ in NAV_ITEMS)
    keys: set[str] = {"dashboard", "systems"}
    for role in roles_of(user):
        keys |= NAV_BY_ROLE.get(role, frozenset())
    return frozenset(keys)


def _section(path: str) -> str:
    for prefix, key in _SECTION_PREFIXES:
        if path.startswith(prefix):
            return key
    return "dashboard" if path == "/" else ""


def _url(target: str) -> str:
    if target.startswith("/"):
        resolve(target)
        return target
    return reverse(target)


def navigation(request: HttpRequest) -> dict[str, Any]:
    """``nav``: a list of ``{key, label, url, current}`` for the signed-in user. A page whose
    route is not installed (the map, reviews, before their apps land) is left out."""
    keys = nav_keys(getattr(request, "user", None))
    if not keys:
        return {"nav": []}
    current = _section(request.path)
    items = []
    for key, label, name in NAV_ITEMS:
        if key not in keys:
            continue
        try:
            url = _url(name)
        except (NoReverseMatch, Resolver404):
            continue
        items.append({"key": key, "label": label, "url": url, "current": key == current})
    return {"nav": items}
