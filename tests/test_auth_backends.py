"""The one-query object-permission backend answers as django-guardian's own does."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from guardian.backends import ObjectPermissionBackend as GuardianBackend
from guardian.shortcuts import assign_perm, remove_perm

from registry.inventory import services
from registry.inventory.choices import RiskTier
from registry.people.auth_backends import ObjectPermissionBackend
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

PERMS = ("registry.register_aisystem", "registry.change_aisystem", "change_aisystem")


def answers(user, obj) -> list[bool]:
    ours = [ObjectPermissionBackend().has_perm(user, p, obj) for p in PERMS]
    theirs = [GuardianBackend().has_perm(user, p, obj) for p in PERMS]
    assert ours == theirs
    return ours


def test_grants_of_the_user_and_of_the_users_groups(system, other_team, teammate):
    outsider = make_user("outsider")
    other_system = services.system_create(
        actor=None,
        owning_team=other_team,
        name="Other",
        slug="other",
        purpose="Other things.",
        risk_tier=RiskTier.MINIMAL,
    )
    assert answers(outsider, system) == [False, False, False]
    assign_perm("registry.register_aisystem", outsider, system)
    assert answers(outsider, system) == [True, False, False]
    assert answers(outsider, other_system) == [False, False, False]
    remove_perm("registry.register_aisystem", outsider, system)
    group = Group.objects.create(name="reviewers-of-fraud")
    assign_perm("registry.change_aisystem", group, system)
    assert answers(outsider, system) == [False, False, False]
    outsider.groups.add(group)
    assert answers(outsider, system) == [False, True, True]
    assert answers(teammate, system) == [True, True, True]  # through the owning team's group


def test_inactive_users_hold_nothing_and_superusers_everything(system, engineer, admin_user):
    assert answers(engineer, system) == [True, True, True]
    engineer.is_active = False
    assert answers(engineer, system) == [False, False, False]
    assert answers(admin_user, system) == [True, True, True]


def test_only_objects_and_the_objects_app(system, engineer):
    assert ObjectPermissionBackend().has_perm(engineer, "registry.change_aisystem") is False
    with pytest.raises(Exception) as ours:
        ObjectPermissionBackend().has_perm(engineer, "governance.change_aisystem", system)
    with pytest.raises(Exception) as theirs:
        GuardianBackend().has_perm(engineer, "governance.change_aisystem", system)
    assert type(ours.value) is type(theirs.value)


def test_one_query(system, engineer, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert engineer.has_perm("registry.register_aisystem", system)
