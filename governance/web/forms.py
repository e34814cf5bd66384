"""Forms of the system page (moving a model). They check the shape of input only; the services
decide, exactly as they do for the API."""

from __future__ import annotations

from typing import Any

from django import forms

from registry.inventory import permissions as registry_permissions
from registry.inventory.models import AISystem


class ModelMoveForm(forms.Form):
    """Where a model moves: one of the systems the user registers under."""

    system = forms.ModelChoiceField(queryset=AISystem.objects.none(), label="Move to")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["system"].queryset = registry_permissions.systems_registrable_by(user)
