"""Extension points that apps built on the registry plug into.

The registry never imports governance; governance registers here (in its AppConfig.ready) to
react to registry changes inside the same transaction — for example, a change to a version's
artifact or datasets invalidates the approvals that were bound to them. Hooks run synchronously
and must not swallow errors: a failing hook rolls back the change that triggered it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Hook:
    """One extension point: the functions registered on it, called in the order they were
    registered, inside the caller's transaction, with the keyword arguments it is called with."""

    def __init__(self) -> None:
        self.functions: list[Callable[..., None]] = []

    def register(self, function: Callable[..., None]) -> Callable[..., None]:
        """Add ``function`` (once: registering it again changes nothing); returns it."""
        if function not in self.functions:
            self.functions.append(function)
        return function

    def unregister(self, function: Callable[..., None]) -> None:
        self.functions.remove(function)

    def __call__(self, **kwargs: Any) -> None:
        for function in list(self.functions):
            function(**kwargs)

    def collect(self, **kwargs: Any) -> list[Any]:
        """Call every function, as ``__call__`` does, for the lists they answer with: one list
        of everything they returned, in the order they were registered (for hooks whose
        functions contribute, such as the reasons a check refuses)."""
        found: list[Any] = []
        for function in list(self.functions):
            found.extend(function(**kwargs) or [])
        return found


# ``(actor=, version=, changes=)``: a version's artifact digest, artifact URI or set of linked
# datasets changed.
version_bindings_changed = Hook()
on_version_bindings_changed = version_bindings_changed.register

# ``(actor=, system=, changes=)``: a system's fields changed (``changes`` as its audit event
# records them, ``{field: [old, new]}``).
system_changed = Hook()
on_system_changed = system_changed.register

# ``(actor=, model=, old_system=)``: a model, with its versions, moved to ``model.system``.
model_moved = Hook()
on_model_moved = model_moved.register
