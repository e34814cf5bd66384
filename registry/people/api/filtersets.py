"""Query filters of the people list endpoints (django-filter)."""

from __future__ import annotations

import django_filters as df
from django.contrib.auth import get_user_model

from registry.api.filtersets import FilterSet
from registry.people.choices import TeamFunction
from registry.people.models import Team

User = get_user_model()


class UserFilter(FilterSet):
    class Meta:
        model = User
        fields = ["is_active"]


class TeamFilter(FilterSet):
    function = df.MultipleChoiceFilter(choices=TeamFunction.choices)
    member = df.CharFilter(field_name="group__user__username", label="Member username")

    class Meta:
        model = Team
        fields = ["function", "member"]
