"""Extension points that apps built on the registry plug into.

The registry never imports governance; governance registers here (in its AppConfig.ready) to
react to registry changes inside the same transaction — for example, a change to a version's
artifact or datasets invalidates the approvals that were bound to them. Hooks run synchronously
and must not swallow errors: a failing hook rolls back the change that triggered it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

VersionChangedHook = Callable[..., None]
_version_changed: list[VersionChangedHook] = []


def on_version_bindings_changed(hook: VersionChangedHook) -> VersionChangedHook:
    """Register ``hook(actor=, version=, changes=)``, called when a version's artifact digest,
    artifact URI or set of linked datasets changes. Idempotent per function."""
    if hook not in _version_changed:
        _version_changed.append(hook)
    return hook


def version_bindings_changed(*, actor: Any, version: Any, changes: dict[str, Any]) -> None:
    for hook in list(_version_changed):
        hook(actor=actor, version=version, changes=changes)


SystemChangedHook = Callable[..., None]
_system_changed: list[SystemChangedHook] = []


def on_system_changed(hook: SystemChangedHook) -> SystemChangedHook:
    """Register ``hook(actor=, system=, changes=)``, called when a system's fields change
    (``changes`` as its audit event records them: ``{field: [old, new]}``). Idempotent."""
    if hook not in _system_changed:
        _system_changed.append(hook)
    return hook


def system_changed(*, actor: Any, system: Any, changes: dict[str, Any]) -> None:
    for hook in list(_system_changed):
        hook(actor=actor, system=system, changes=changes)


ModelMovedHook = Callable[..., None]
_model_moved: list[ModelMovedHook] = []


def on_model_moved(hook: ModelMovedHook) -> ModelMovedHook:
    """Register ``hook(actor=, model=, old_system=)``, called when a model (with its versions)
    moves to another system, ``model.system``. Idempotent per function."""
    if hook not in _model_moved:
        _model_moved.append(hook)
    return hook


def model_moved(*, actor: Any, model: Any, old_system: Any) -> None:
    for hook in list(_model_moved):
        hook(actor=actor, model=model, old_system=old_system)
