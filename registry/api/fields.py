"""Serializer fields every API shares. People are named by username, so a pipeline can write
``"technical_owner": "alice"`` without looking up ids first; ids are whole numbers in range."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from rest_framework import serializers

User = get_user_model()


class UserField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "username")
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", User.objects.filter(is_active=True))
        super().__init__(**kwargs)


class IdField(serializers.PrimaryKeyRelatedField):
    """A reference by id. Plain DRF would look 1.5 up as id 1 (the database truncates it); an id
    is a whole number, or the string of one."""

    def to_internal_value(self, data):
        if isinstance(data, float) and not data.is_integer():
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)
