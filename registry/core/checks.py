"""System checks of Steward's own configuration (``manage.py check --deploy``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

_PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@checks.register(checks.Tags.caches, deploy=True)
def shared_cache(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """In production the cache must be one all processes share: the token-creation throttle
    counts in it, and with a per-process cache each server worker would allow the full rate."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend not in _PER_PROCESS_CACHES:
        return []
    return [
        checks.Warning(
            "The default cache is per process, so throttles count per worker.",
            hint="Set CACHE_URL to a shared cache, e.g. rediscache://127.0.0.1:6379/1.",
            id="steward.W001",
        )
    ]


_BODY_LIMIT = "registry.api.bodylimit.BodyLimitMiddleware"
_CSRF = "django.middleware.csrf.CsrfViewMiddleware"


@checks.register(checks.Tags.security)
def body_limit(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Django's own limit on request bodies is off (settings): STEWARD_MAX_BODY_BYTES is held by
    the body-limit middleware alone, which must be installed and run before the CSRF check (the
    first thing that reads a form's body)."""
    middleware = list(settings.MIDDLEWARE)
    if _BODY_LIMIT in middleware and (
        _CSRF not in middleware or middleware.index(_BODY_LIMIT) < middleware.index(_CSRF)
    ):
        return []
    return [
        checks.Error(
            "Request bodies are not held to STEWARD_MAX_BODY_BYTES.",
            hint=f"Put {_BODY_LIMIT} in MIDDLEWARE, before {_CSRF}.",
            id="steward.E001",
        )
    ]
