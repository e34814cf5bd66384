"""API tokens: created with a password or a session, shown once, stored as a digest, accepted as
``Token`` and ``Bearer``, refused once expired or revoked, private to their owner."""

import datetime as dt
import hashlib
import io

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from registry.audit.models import AuditEvent
from registry.people import services
from registry.people.models import APIToken
from tests.api_checks import assert_list_queries_flat, nothing_written
from tests.helpers import check, error_attrs

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle():
    """Token creation is throttled per client; start and leave each test with a clean count."""
    cache.clear()
    yield
    cache.clear()


def create_token(username, password, **extra):
    return APIClient().post(
        "/api/v1/auth/tokens/",
        {"name": "ci", "username": username, "password": password, **extra},
        format="json",
    )


def client_with(secret, keyword="Token"):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {secret}")
    return client


# --- Creating ---------------------------------------------------------------------------------


def test_pipeline_creates_token_with_password_and_sees_the_secret_once(engineer, audit_log):
    body = check(create_token("erin", "pw-erin", days=30), 201)
    secret = body["token"]
    assert secret.startswith("stw_")
    assert body["prefix"] == secret[: len(body["prefix"])]
    assert body["user"] == "erin"
    assert body["name"] == "ci"

    token = APIToken.objects.get(pk=body["id"])
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    for row in APIToken.objects.values():
        assert not any(secret in str(value) for value in row.values()), row
    for canonical in AuditEvent.objects.values_list("canonical", flat=True):
        assert secret not in canonical
    assert abs(token.expires_at - token.created_at - dt.timedelta(days=30)) < dt.timedelta(
        seconds=5
    )
    event = audit_log.assert_one("registry.token.created", actor=engineer, source="api")
    assert event.changes["prefix"] == body["prefix"]

    # The secret is not shown again.
    listed = check(client_with(secret).get("/api/v1/auth/tokens/"), 200)["results"]
    assert [t["id"] for t in listed] == [body["id"]]
    assert "token" not in listed[0]
    assert "digest" not in listed[0]


def test_signed_in_user_creates_a_token_for_themself(api, executive):
    body = check(
        api(executive).post("/api/v1/auth/tokens/", {"name": "laptop"}, format="json"), 201
    )
    assert body["user"] == "eve"
    token = APIToken.objects.get(pk=body["id"])
    assert token.user == executive
    lifetime = token.expires_at - token.created_at  # the default
    assert abs(lifetime - dt.timedelta(days=90)) < dt.timedelta(seconds=5)


@pytest.mark.parametrize("keyword", ["Token", "Bearer", "token", "bearer"])
def test_token_authenticates_as_token_or_bearer(engineer, keyword):
    secret = check(create_token("erin", "pw-erin"), 201)["token"]
    me = check(client_with(secret, keyword).get("/api/v1/users/me/"), 200)
    assert me["username"] == "erin"
    assert APIToken.objects.get().last_used_at is not None


def test_token_writes_are_attributed_to_the_token(engineer, team, audit_log):
    secret = check(create_token("erin", "pw-erin"), 201)["token"]
    audit_log.mark()
    check(
        client_with(secret).post(
            "/api/v1/datasets/", {"namespace": "n", "name": "x"}, format="json"
        ),
        201,
    )
    audit_log.assert_one("registry.dataset.created", actor=engineer, actor_token=secret[:12])


def test_management_command_prints_a_working_secret(engineer, audit_log):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "create_api_token", "erin", "--name", "deploy-bot", "--days", "7", stdout=out, stderr=err
    )
    secret = out.getvalue().strip()
    assert secret.startswith("stw_")
    assert secret not in err.getvalue()
    assert check(client_with(secret).get("/api/v1/users/me/"), 200)["username"] == "erin"
    token = APIToken.objects.get()
    assert token.name == "deploy-bot"
    assert token.digest != secret
    audit_log.assert_one("registry.token.created", actor=None, source="command")


def test_management_command_refuses_unknown_user_and_bad_days(engineer):
    with nothing_written(APIToken):
        with pytest.raises(CommandError, match="ghost"):
            call_command("create_api_token", "ghost", stdout=io.StringIO())
        with pytest.raises(CommandError, match="between"):
            call_command("create_api_token", "erin", "--days", "0", stdout=io.StringIO())


# --- Refused ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "password"),
    [("erin", "wrong"), ("ghost", "pw-ghost"), ("erin", "pw-olga"), ("ERIN", "pw-erin")],
)
def test_wrong_credentials_get_401(engineer, username, password):
    with nothing_written(APIToken):
        resp = create_token(username, password)
        check(resp, 401)
    assert resp.json()["type"] == "client_error"


def test_blank_credentials_are_named(engineer):
    with nothing_written(APIToken):
        resp = create_token("erin", "")
        check(resp, 400)
    assert error_attrs(resp) == {"password"}


def test_inactive_user_cannot_create_a_token(engineer):
    engineer.is_active = False
    engineer.save()
    with nothing_written(APIToken):
        check(create_token("erin", "pw-erin"), 401)


def test_anonymous_without_credentials_gets_401(db):
    with nothing_written(APIToken):
        check(APIClient().post("/api/v1/auth/tokens/", {"name": "x"}, format="json"), 401)
    check(APIClient().get("/api/v1/auth/tokens/"), 401)


def test_expired_token_gets_401(engineer):
    body = check(create_token("erin", "pw-erin", days=1), 201)
    client = client_with(body["token"])
    check(client.get("/api/v1/users/me/"), 200)
    expires = APIToken.objects.get().expires_at
    with time_machine.travel(expires - dt.timedelta(seconds=1), tick=False):
        check(client.get("/api/v1/users/me/"), 200)
    with time_machine.travel(expires + dt.timedelta(seconds=1), tick=False):
        resp = client.get("/api/v1/users/me/")
        check(resp, 401)
    assert resp["WWW-Authenticate"].startswith("Token")


def test_revoked_token_gets_401(engineer, audit_log):
    secret = check(create_token("erin", "pw-erin"), 201)["token"]
    client = client_with(secret)
    token_id = APIToken.objects.get().pk
    audit_log.mark()
    check(client.delete(f"/api/v1/auth/tokens/{token_id}/"), 204)
    audit_log.assert_one("registry.token.revoked", actor=engineer)
    check(client.get("/api/v1/users/me/"), 401)
    assert APIToken.objects.get().revoked_at is not None  # kept, for the record


def test_token_of_inactive_user_gets_401(engineer):
    secret = check(create_token("erin", "pw-erin"), 201)["token"]
    engineer.is_active = False
    engineer.save()
    check(client_with(secret).get("/api/v1/users/me/"), 401)


@pytest.mark.parametrize(
    "header",
    [
        "Token",
        "Token a b",
        "Token stw_not-a-real-token",
        "Token not-even-the-prefix",
        "Bearer " + "stw_" + "x" * 300,
    ],
)
def test_malformed_or_unknown_tokens_get_401(engineer, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    resp = client.get("/api/v1/users/me/")
    check(resp, 401)
    assert resp.json()["type"] == "client_error"


@pytest.mark.parametrize(
    ("extra", "attr"),
    [
        ({"days": 0}, "days"),
        ({"days": 100000}, "days"),
        ({"days": "week"}, "days"),
        ({"name": ""}, "name"),
    ],
)
def test_invalid_token_request_is_refused_naming_the_field(engineer, extra, attr):
    with nothing_written(APIToken):
        resp = create_token("erin", "pw-erin", **extra)
        check(resp, 400)
    assert error_attrs(resp) == {attr}


def test_token_creation_is_throttled(engineer):
    statuses = [create_token("erin", "wrong").status_code for _ in range(21)]
    assert statuses[:20] == [401] * 20
    assert statuses[20] == 429
    check(create_token("erin", "pw-erin"), 429)


# --- Listing and revoking ---------------------------------------------------------------------


def test_listing_shows_only_my_tokens(api, token_client, engineer, other_engineer):
    mine = check(create_token("erin", "pw-erin"), 201)
    check(create_token("olga", "pw-olga"), 201)
    listed = check(api(engineer).get("/api/v1/auth/tokens/"), 200)["results"]
    assert [t["id"] for t in listed] == [mine["id"]]


def test_someone_elses_token_is_404(api, engineer, other_engineer, admin_user):
    theirs = check(create_token("olga", "pw-olga"), 201)
    with nothing_written(APIToken):
        check(api(engineer).delete(f"/api/v1/auth/tokens/{theirs['id']}/"), 404)
    assert APIToken.objects.get(pk=theirs["id"]).revoked_at is None
    check(client_with(theirs["token"]).get("/api/v1/users/me/"), 200)


def test_tokens_cannot_be_read_one_by_one_or_changed(api, engineer):
    token = check(create_token("erin", "pw-erin"), 201)
    path = f"/api/v1/auth/tokens/{token['id']}/"
    check(api(engineer).get(path), 405)
    check(api(engineer).patch(path, {"name": "x"}, format="json"), 405)


def test_token_list_query_count_is_flat(api, engineer, django_assert_max_num_queries):

    def add(n):
        for _ in range(n):
            services.token_create(actor=None, user=engineer, name="bulk")

    assert_list_queries_flat(
        api(engineer),
        "/api/v1/auth/tokens/",
        django_assert_max_num_queries,
        ceiling=2,
        add_rows=add,
    )
