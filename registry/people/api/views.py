"""API views of people: teams and their members, users, who am I, and API tokens. Thin, like every
view: a serializer parses, one service acts."""

from __future__ import annotations

from django.contrib.auth import authenticate, get_user_model
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from registry.api.views import CrudViewSet
from registry.people import selectors as people_selectors
from registry.people import services as people_services
from registry.people.api import filtersets as api_filtersets
from registry.people.api import serializers as api_serializers
from registry.people.models import APIToken

User = get_user_model()


# --- People -----------------------------------------------------------------------------------


class MeView(APIView):
    @extend_schema(responses=api_serializers.MeSerializer)
    def get(self, request):
        return Response(api_serializers.MeSerializer(request.user).data)


class UserViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = api_serializers.UserSerializer
    queryset = User.objects.order_by("username")
    search_fields = ["username", "first_name", "last_name", "email"]
    filterset_class = api_filtersets.UserFilter
    lookup_field = "username"
    lookup_value_regex = r"[\w.@+-]+"


@extend_schema_view(
    members=extend_schema(
        request=api_serializers.TeamMemberSerializer, responses=api_serializers.TeamSerializer
    )
)
class TeamViewSet(CrudViewSet):
    serializer_class = api_serializers.TeamSerializer
    filterset_class = api_filtersets.TeamFilter
    search_fields = ["name", "slug", "description"]
    ordering_fields = ["name", "created_at"]
    permission_classes = [IsAuthenticated]  # the services decide who manages teams

    def get_queryset(self):
        return people_selectors.team_list().prefetch_related(
            Prefetch("group__user_set", queryset=User.objects.only("id", "username"))
        )

    def create_object(self, data):
        return people_services.team_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return people_services.team_update(
            actor=self.request.user, team=instance, data=data, if_match=self.if_match
        )

    @action(detail=True, methods=["post"], url_path="members")
    def members(self, request, pk=None):
        team = self.get_object()
        serializer = api_serializers.TeamMemberSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        people_services.team_add_member(
            actor=request.user, team=team, user=serializer.validated_data["user"]
        )
        return self.respond_with(team)

    @extend_schema(request=None, responses=api_serializers.TeamSerializer)
    @action(detail=True, methods=["delete"], url_path=r"members/(?P<username>[\w.@+-]+)")
    def remove_member(self, request, pk=None, username=None):
        team = self.get_object()
        user = get_object_or_404(User, username=username)
        people_services.team_remove_member(actor=request.user, team=team, user=user)
        return self.respond_with(team)


# --- Tokens -----------------------------------------------------------------------------------


class TokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Your API tokens. Create one with your session, an existing token, or your username and
    password in the body (for a pipeline's first token). The secret is shown once."""

    serializer_class = api_serializers.TokenSerializer
    throttle_scope = "token_create"

    def get_permissions(self):
        if self.action == "create":
            return [AllowAny()]
        return [IsAuthenticated()]

    def get_throttles(self):
        return [ScopedRateThrottle()] if self.action == "create" else []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return APIToken.objects.none()
        # Other people's tokens are not merely forbidden: they do not exist for you (404).
        return APIToken.objects.filter(user=self.request.user).select_related("user")

    @extend_schema(
        request=api_serializers.TokenCreateSerializer,
        responses={201: api_serializers.TokenCreatedSerializer},
    )
    def create(self, request, *args, **kwargs):
        serializer = api_serializers.TokenCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = request.user if request.user.is_authenticated else None
        if "username" in data or "password" in data:
            user = authenticate(
                request, username=data.get("username", ""), password=data.get("password", "")
            )
            if user is None:
                raise AuthenticationFailed("Invalid username or password.")
        if user is None:
            raise AuthenticationFailed("Sign in, send a token, or give username and password.")
        token, secret = people_services.token_create(
            actor=user, user=user, name=data["name"], days=data.get("days")
        )
        out = api_serializers.TokenCreatedSerializer(token).data
        out["token"] = secret
        return Response(out, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        people_services.token_revoke(actor=self.request.user, token=instance)
