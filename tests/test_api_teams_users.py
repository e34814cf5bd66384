"""Teams, their members, the user directory and ``users/me/`` with roles."""

import itertools

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from registry.core.roles import Role
from registry.people import services
from registry.people.choices import TeamFunction
from registry.people.models import Team
from tests.api_checks import assert_list_queries_flat, nothing_written
from tests.conftest import make_user
from tests.helpers import check, error_attrs

pytestmark = pytest.mark.django_db

User = get_user_model()
_n = itertools.count(1)


def team_url(team, suffix=""):
    return f"/api/v1/teams/{team.pk}/{suffix}"


# --- Teams: allowed ---------------------------------------------------------------------------


def test_everyone_signed_in_lists_teams_with_members(api, team, other_team, legal_reviewer):
    body = check(api(legal_reviewer).get("/api/v1/teams/"), 200)
    by_slug = {t["slug"]: t for t in body["results"]}
    assert by_slug["fraud-ml"]["members"] == ["erin", "theo"]
    assert by_slug["fraud-ml"]["lead"] == "erin"
    assert by_slug["support-ai"]["members"] == ["olga"]


def test_admin_creates_team_and_its_lead_becomes_a_member(
    api, admin_user, team, legal_reviewer, audit_log
):
    body = check(
        api(admin_user).post(
            "/api/v1/teams/",
            {"name": "Legal", "function": "legal", "lead": "lena", "parent": "fraud-ml"},
            format="json",
        ),
        201,
    )
    assert body["slug"] == "legal"
    assert body["members"] == ["lena"]
    assert body["parent"] == "fraud-ml"
    audit_log.assert_one("registry.team.created", actor=admin_user)


def test_lead_updates_team(api, engineer, team, audit_log):
    body = check(
        api(engineer).patch(team_url(team), {"description": "Card fraud models"}, format="json"),
        200,
    )
    assert body["description"] == "Card fraud models"
    audit_log.assert_one("registry.team.updated", actor=engineer)


def test_team_filters(api, engineer, team, other_team):
    client = api(engineer)

    def slugs(query):
        return [t["slug"] for t in check(client.get(f"/api/v1/teams/?{query}"), 200)["results"]]

    assert slugs("member=olga") == ["support-ai"]
    assert slugs("function=engineering") == ["fraud-ml", "support-ai"]
    assert slugs("search=fraud") == ["fraud-ml"]
    check(client.get("/api/v1/teams/?function=astrology"), 400)


def test_lead_adds_and_removes_members(api, engineer, team, other_engineer, audit_log):
    client = api(engineer)
    body = check(client.post(team_url(team, "members/"), {"user": "olga"}, format="json"), 200)
    assert body["members"] == ["erin", "olga", "theo"]
    event = audit_log.assert_one("registry.team.member_added", actor=engineer)
    assert event.changes == {"member": [None, "olga"]}

    # Adding someone who is already a member changes nothing.
    check(client.post(team_url(team, "members/"), {"user": "olga"}, format="json"), 200)
    audit_log.assert_none()

    body = check(client.delete(team_url(team, "members/olga/")), 200)
    assert body["members"] == ["erin", "theo"]
    audit_log.assert_one("registry.team.member_removed", actor=engineer)


def test_new_member_may_change_the_teams_systems(api, engineer, team, other_engineer, system):
    check(api(engineer).post(team_url(team, "members/"), {"user": "olga"}, format="json"), 200)
    olga = User.objects.get(username="olga")  # a fresh request loads the user afresh
    check(api(olga).patch(f"/api/v1/systems/{system.pk}/", {"vendor": "A"}, format="json"), 200)


# --- Teams: denied ----------------------------------------------------------------------------


def test_anonymous_cannot_touch_teams(api, team):
    check(api().get("/api/v1/teams/"), 401)
    check(api().get(team_url(team)), 401)
    check(api().post("/api/v1/teams/", {"name": "x", "function": "data"}, format="json"), 401)
    check(api().post(team_url(team, "members/"), {"user": "erin"}, format="json"), 401)


@pytest.mark.parametrize("role", ["engineer", "legal_reviewer", "executive", "auditor"])
def test_only_administrators_create_teams(request, api, role, team):
    with nothing_written(Team):
        resp = api(request.getfixturevalue(role)).post(
            "/api/v1/teams/", {"name": "Data", "function": "data"}, format="json"
        )
        check(resp, 403)


@pytest.mark.parametrize("role", ["teammate", "other_engineer", "executive", "auditor"])
def test_only_the_lead_or_an_administrator_changes_a_team(request, api, role, team, other_team):
    client = api(request.getfixturevalue(role))
    with nothing_written(Team):
        check(client.patch(team_url(team), {"description": "x"}, format="json"), 403)
        check(client.post(team_url(team, "members/"), {"user": "erin"}, format="json"), 403)
        check(client.delete(team_url(team, "members/theo/")), 403)
    assert sorted(team.group.user_set.values_list("username", flat=True)) == ["erin", "theo"]


def test_executive_lead_cannot_change_their_team(api, executive):
    exec_team = services.team_create(
        actor=None, name="Board", function=TeamFunction.EXECUTIVE, lead=executive
    )
    with nothing_written(Team):
        check(api(executive).patch(team_url(exec_team), {"description": "x"}, format="json"), 403)


def test_unknown_team_is_404(api, engineer, team):
    check(api(engineer).get("/api/v1/teams/99999/"), 404)
    check(api(engineer).post("/api/v1/teams/99999/members/", {"user": "olga"}), 404)


# --- Teams: invalid ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "attr"),
    [
        ({"function": "astrology"}, "function"),
        ({"function": None}, "function"),
        ({"name": ""}, "name"),
        ({"slug": "no spaces"}, "slug"),
        ({"lead": "ghost"}, "lead"),
        ({"parent": "nope"}, "parent"),
        ({"parent": 1}, "parent"),
    ],
)
def test_invalid_team_is_refused_naming_the_field(api, admin_user, team, data, attr):
    payload = {"name": "Data platform", "function": "data", **data}
    with nothing_written(Team):
        resp = api(admin_user).post("/api/v1/teams/", payload, format="json")
        check(resp, 400)
    assert error_attrs(resp) == {attr}


def test_team_slug_cannot_change(api, engineer, team):
    with nothing_written(Team):
        resp = api(engineer).patch(team_url(team), {"slug": "card-fraud"}, format="json")
        check(resp, 409)
    assert error_attrs(resp) == {"slug"}


def test_team_cannot_be_its_own_parent(api, engineer, team):
    with nothing_written(Team):
        resp = api(engineer).patch(team_url(team), {"parent": "fraud-ml"}, format="json")
        check(resp, 409)
    assert error_attrs(resp) == {"parent"}


def test_team_parents_cannot_form_a_cycle(api, admin_user, team, other_team):
    client = api(admin_user)
    check(client.patch(team_url(other_team), {"parent": "fraud-ml"}, format="json"), 200)
    with nothing_written(Team):
        resp = client.patch(team_url(team), {"parent": "support-ai"}, format="json")
        check(resp, 409)
    assert error_attrs(resp) == {"parent"}
    team.refresh_from_db()
    assert team.parent is None


def test_adding_unknown_user_is_refused(api, engineer, team):
    with nothing_written(Team):
        resp = api(engineer).post(team_url(team, "members/"), {"user": "ghost"}, format="json")
        check(resp, 400)
    assert error_attrs(resp) == {"user"}
    check(api(engineer).delete(team_url(team, "members/ghost/")), 404)


def test_lead_cannot_be_removed_from_their_team(api, engineer, team):
    with nothing_written(Team):
        resp = api(engineer).delete(team_url(team, "members/erin/"))
        check(resp, 409)
    assert error_attrs(resp) == {"user"}


def test_team_list_query_count_is_flat(api, engineer, team, django_assert_max_num_queries):
    def add(n):
        for _ in range(n):
            i = next(_n)
            lead = make_user(f"lead{i}", Role.ENGINEER)
            member = make_user(f"member{i}", Role.ENGINEER)
            services.team_create(
                actor=None,
                name=f"Team {i}",
                function=TeamFunction.DATA,
                lead=lead,
                parent=team,
                members=[member],
            )

    assert_list_queries_flat(
        api(engineer), "/api/v1/teams/", django_assert_max_num_queries, ceiling=3, add_rows=add
    )


# --- Users ------------------------------------------------------------------------------------


def test_everyone_signed_in_reads_the_user_directory(api, engineer, teammate, auditor):
    body = check(api(auditor).get("/api/v1/users/"), 200)
    assert [u["username"] for u in body["results"]] == ["aud", "erin", "theo"]
    assert "password" not in body["results"][0]
    user = check(api(auditor).get("/api/v1/users/erin/"), 200)
    assert user["full_name"] == "Erin"
    check(api(auditor).get("/api/v1/users/ghost/"), 404)


def test_user_directory_filters(api, engineer, teammate):
    User.objects.filter(pk=teammate.pk).update(is_active=False)
    client = api(engineer)
    body = check(client.get("/api/v1/users/?is_active=false"), 200)
    assert [u["username"] for u in body["results"]] == ["theo"]
    body = check(client.get("/api/v1/users/?search=erin"), 200)
    assert [u["username"] for u in body["results"]] == ["erin"]


def test_user_directory_is_read_only(api, admin_user, engineer):
    check(api(admin_user).post("/api/v1/users/", {"username": "x"}, format="json"), 405)
    check(api(admin_user).patch("/api/v1/users/erin/", {"email": "x@y.z"}, format="json"), 405)
    check(api(admin_user).delete("/api/v1/users/erin/"), 405)


def test_anonymous_cannot_read_users(api, engineer):
    check(api().get("/api/v1/users/"), 401)
    check(api().get("/api/v1/users/erin/"), 401)
    check(api().get("/api/v1/users/me/"), 401)


def test_user_list_query_count_is_flat(api, engineer, django_assert_max_num_queries):
    def add(n):
        for _ in range(n):
            make_user(f"user{next(_n)}", Role.ENGINEER)

    assert_list_queries_flat(
        api(engineer), "/api/v1/users/", django_assert_max_num_queries, ceiling=2, add_rows=add
    )


# --- users/me/ --------------------------------------------------------------------------------


def test_me_shows_roles_and_teams(api, engineer, team):
    body = check(api(engineer).get("/api/v1/users/me/"), 200)
    assert body["username"] == "erin"
    assert body["roles"] == ["engineer"]
    assert [t["slug"] for t in body["teams"]] == ["fraud-ml"]
    assert body["is_superuser"] is False


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("legal_reviewer", ["legal"]),
        ("executive", ["executive"]),
        ("auditor", ["auditor"]),
        ("compliance_officer", ["compliance"]),
    ],
)
def test_me_names_each_role(request, api, role, expected):
    body = check(api(request.getfixturevalue(role)).get("/api/v1/users/me/"), 200)
    assert body["roles"] == expected
    assert body["teams"] == []


def test_me_lists_several_roles_but_not_team_groups(api, team, other_engineer):
    other_engineer.groups.add(Group.objects.get(name=Role.AUDITOR))
    body = check(api(User.objects.get(pk=other_engineer.pk)).get("/api/v1/users/me/"), 200)
    assert body["roles"] == ["auditor", "engineer"]
    assert "team:fraud-ml" not in body["roles"]


def test_me_with_a_token(token_client, admin_user):
    body = check(token_client(admin_user).get("/api/v1/users/me/"), 200)
    assert body["username"] == "admin"
    assert body["is_superuser"] is True
    assert body["roles"] == []


def test_team_update_with_stale_if_match_is_412(api, engineer, team):
    client = api(engineer)
    etag = client.get(f"/api/v1/teams/{team.pk}/")["ETag"]
    check(
        client.patch(
            f"/api/v1/teams/{team.pk}/", {"description": "v1"}, format="json", HTTP_IF_MATCH=etag
        ),
        200,
    )
    resp = client.patch(
        f"/api/v1/teams/{team.pk}/", {"description": "v2"}, format="json", HTTP_IF_MATCH=etag
    )
    check(resp, 412)
    team.refresh_from_db()
    assert team.description == "v1"
