"""Shapes of teams, users and tokens in the API. Teams are named by slug, people by username."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from registry.api.fields import UserField
from registry.core import roles as permissions
from registry.core.roles import Role
from registry.people.models import APIToken, Team

User = get_user_model()


class TeamField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "slug")
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", Team.objects.all())
        super().__init__(**kwargs)


# --- People -----------------------------------------------------------------------------------


class TeamSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "slug", "name", "function"]


class MeSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()
    teams = serializers.SerializerMethodField()
    full_name = serializers.CharField(source="get_full_name", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "email", "is_superuser", "roles", "teams"]

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(Role.choices)))
    def get_roles(self, user) -> list[str]:
        return sorted(permissions.roles_of(user))

    @extend_schema_field(TeamSummarySerializer(many=True))
    def get_teams(self, user) -> list[dict]:
        teams = Team.objects.filter(group__user=user).order_by("name")
        return TeamSummarySerializer(teams, many=True).data


class UserSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(source="get_full_name", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "email", "is_active"]


class TeamSerializer(serializers.ModelSerializer):
    lead = UserField(required=False, allow_null=True)
    parent = TeamField(required=False, allow_null=True)
    members = serializers.SerializerMethodField()

    class Meta:
        model = Team
        fields = [
            "id",
            "name",
            "slug",
            "function",
            "description",
            "lead",
            "parent",
            "members",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"slug": {"required": False}}

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_members(self, team) -> list[str]:
        # Prefetched by the view as team.group.user_set.
        return sorted(u.username for u in team.group.user_set.all())


class TeamMemberSerializer(serializers.Serializer):
    user = UserField()


# --- Tokens -----------------------------------------------------------------------------------


class TokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    days = serializers.IntegerField(required=False, min_value=1)
    username = serializers.CharField(required=False, write_only=True)
    password = serializers.CharField(
        required=False, write_only=True, style={"input_type": "password"}
    )


class TokenSerializer(serializers.ModelSerializer):
    user = UserField(read_only=True)

    class Meta:
        model = APIToken
        fields = [
            "id",
            "name",
            "prefix",
            "user",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
        ]
        read_only_fields = fields


class TokenCreatedSerializer(TokenSerializer):
    token = serializers.CharField(read_only=True, help_text="The secret. Shown only once.")

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "token"]
        read_only_fields = fields
