"""Shared fixtures: one user per role, a small organisation, API clients, and helpers to assert
responses and the audit events an action left.

Service-backed tests are marked ``postgres``, ``redis`` or ``browser`` (Chromium). They skip with
a reason when the service is not configured — except when ``STEWARD_REQUIRE_SERVICES=1`` (CI's
second pass), where a missing service fails them instead of hiding them.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from rest_framework.test import APIClient

from registry.audit.models import AuditEvent
from registry.core.roles import Role
from registry.inventory import services
from registry.inventory.choices import DatasetRole, Lifecycle, RiskTier
from registry.people import services as people_services
from registry.people.choices import TeamFunction
from tests.audit_support import allow_test_flush
from tests.browser_support import browser_page  # noqa: F401  (browser fixtures)
from tests.live_support import seed_migration_data

User = get_user_model()
REQUIRE_SERVICES = os.environ.get("STEWARD_REQUIRE_SERVICES") == "1"


def pytest_configure(config) -> None:
    # Live-server request threads otherwise keep their database connection between requests
    # (CONN_MAX_AGE), and a client that holds its HTTP keep-alive socket open to the end of the
    # run (MLflow's client caches its session) keeps such a thread, and its connection, alive
    # past the last test: PostgreSQL then refuses to drop the test database. Closing the
    # connection at the end of each request, as Django does with CONN_MAX_AGE = 0, avoids that.
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Real hashing costs ~0.3 s a user; tests create dozens. Production keeps Django's default."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# The audit ledger's append-only triggers refuse the flush that ends a transactional test;
# lift them for that flush only (tests/audit_support.py).
allow_test_flush()
_TEST_AUDIT_KEY = base64.b64encode(os.urandom(32)).decode()


@pytest.fixture(autouse=True)
def _audit_checkpoints_isolated(settings, tmp_path):
    """Checkpoints are signed with a throwaway key into the test's own directory, never var/."""
    settings.STEWARD_AUDIT_CHECKPOINT_DIR = str(tmp_path / "checkpoints")
    settings.STEWARD_AUDIT_SIGNING_KEY = _TEST_AUDIT_KEY
    settings.STEWARD_AUDIT_SIGNING_KEY_FILE = ""
    settings.STEWARD_AUDIT_TRUSTED_KEY_FILES = []


@pytest.fixture(autouse=True)
def evidence_dir(settings, tmp_path):
    """Evidence files go to the test's own directory, never var/evidence."""
    folder = tmp_path / "evidence"
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder)},
        },
    }
    return folder


# --- Service markers --------------------------------------------------------------------------


def _redis_reachable() -> bool:
    url = settings.CELERY_BROKER_URL
    if not url.startswith("redis"):
        return False
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        return True
    except Exception:
        return False


@pytest.fixture(autouse=True)
def _service_markers(request):
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        message = "needs PostgreSQL: set DATABASE_URL=postgres://…"
        if REQUIRE_SERVICES:
            pytest.fail(message + " (STEWARD_REQUIRE_SERVICES=1 forbids skipping)")
        pytest.skip(message)
    if request.node.get_closest_marker("browser"):
        from tests.browser_support import browser_missing

        message = browser_missing()
        if message:
            if REQUIRE_SERVICES:
                pytest.fail(message + " (STEWARD_REQUIRE_SERVICES=1 forbids skipping)")
            pytest.skip(message)
    if request.node.get_closest_marker("redis") and not _redis_reachable():
        message = "needs Redis: set CELERY_BROKER_URL=redis://… to a reachable server"
        if REQUIRE_SERVICES:
            pytest.fail(message + " (STEWARD_REQUIRE_SERVICES=1 forbids skipping)")
        pytest.skip(message)


# --- People and organisation ------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _migration_data_in_transactional_tests(request) -> None:
    """Transactional tests get ``migration_data`` before any other fixture builds on it."""
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        request.getfixturevalue("migration_data")


@pytest.fixture
def migration_data(transactional_db) -> None:
    """What the data migrations create, for transactional tests (see tests/live_support.py).

    Every test marked ``django_db(transaction=True)`` uses this rather than
    ``serialized_rollback``: Django skips ``post_migrate`` when it flushes after a
    serialized-rollback test, leaving the next plain transactional test with no content types
    or permissions, and a plain flush recreates content types under new ids that a later
    serialized rollback then collides with."""
    seed_migration_data()


def make_user(username: str, *roles: str, **extra: Any):
    user = User.objects.create_user(
        username=username,
        password="pw-" + username,
        email=f"{username}@example.com",
        first_name=username.capitalize(),
        **extra,
    )
    for role in roles:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def admin_user(db):
    return User.objects.create_superuser("admin", "admin@example.com", "pw-admin")


@pytest.fixture
def engineer(db):
    """An engineer in the fraud team, technical owner of ``system``."""
    return make_user("erin", Role.ENGINEER)


@pytest.fixture
def teammate(db):
    """Another engineer in the same team as ``engineer``."""
    return make_user("theo", Role.ENGINEER)


@pytest.fixture
def other_engineer(db):
    """An engineer in a different team."""
    return make_user("olga", Role.ENGINEER)


@pytest.fixture
def legal_reviewer(db):
    return make_user("lena", Role.LEGAL)


@pytest.fixture
def security_reviewer(db):
    return make_user("sam", Role.SECURITY)


@pytest.fixture
def privacy_reviewer(db):
    return make_user("pia", Role.PRIVACY)


@pytest.fixture
def finance_reviewer(db):
    return make_user("finn", Role.FINANCE)


@pytest.fixture
def compliance_officer(db):
    return make_user("cora", Role.COMPLIANCE)


@pytest.fixture
def executive(db):
    return make_user("eve", Role.EXECUTIVE)


@pytest.fixture
def auditor(db):
    return make_user("aud", Role.AUDITOR)


@pytest.fixture
def team(db, engineer, teammate):
    return people_services.team_create(
        actor=None,
        name="Fraud ML",
        slug="fraud-ml",
        function=TeamFunction.ENGINEERING,
        lead=engineer,
        members=[engineer, teammate],
    )


@pytest.fixture
def other_team(db, other_engineer):
    return people_services.team_create(
        actor=None,
        name="Support AI",
        slug="support-ai",
        function=TeamFunction.ENGINEERING,
        lead=other_engineer,
    )


@pytest.fixture
def system(db, team, engineer, executive):
    return services.system_create(
        actor=None,
        owning_team=team,
        name="Fraud scoring",
        purpose="Score card transactions for fraud.",
        risk_tier=RiskTier.HIGH,
        lifecycle=Lifecycle.DEVELOPMENT,
        technical_owner=engineer,
        accountable_executive=executive,
    )


@pytest.fixture
def model(db, system):
    return services.model_create(actor=None, system=system, name="fraud-xgb", framework="xgboost")


@pytest.fixture
def datasets(db, team):
    """Three datasets: raw → features (derived), and a holdout set."""
    raw = services.dataset_create(
        actor=None, namespace="s3://lake", name="transactions/raw", owner_team=team
    )
    features = services.dataset_create(
        actor=None, namespace="s3://lake", name="transactions/features", owner_team=team
    )
    holdout = services.dataset_create(
        actor=None, namespace="s3://lake", name="transactions/holdout", owner_team=team
    )
    services.lineage_record(actor=None, source=raw, target=features, job_name="build_features")
    return {"raw": raw, "features": features, "holdout": holdout}


@pytest.fixture
def finding(db, system, security_reviewer, engineer):
    """An open security finding of ``system``, owned by the engineer, due 31 January 2027."""
    from governance.reviews import findings

    return findings.finding_create(
        actor=security_reviewer,
        system=system,
        title="Model endpoint accepts unauthenticated scoring requests",
        category="security",
        inherent_rating="high",
        owner=engineer,
        target_date=dt.date(2027, 1, 31),
    )


@pytest.fixture
def version(db, model, datasets):
    return services.version_create(
        actor=None,
        model=model,
        version="1.0.0",
        artifact_uri="s3://models/fraud-xgb/1.0.0",
        artifact_sha256="a" * 64,
        datasets=[
            (datasets["features"], DatasetRole.TRAINING),
            (datasets["holdout"], DatasetRole.EVALUATION),
        ],
    )


# --- API clients ------------------------------------------------------------------------------


@pytest.fixture
def api() -> Callable[..., APIClient]:
    """``api(user)`` → a client authenticated as ``user`` (force-authenticated);
    ``api()`` → anonymous."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def token_client(db):
    """``token_client(user)`` → a client that sends a real API token, as a pipeline does."""

    def make(user) -> APIClient:
        _, secret = people_services.token_create(actor=None, user=user, name="test")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
        return client

    return make


# --- Audit ------------------------------------------------------------------------------------


class AuditTracker:
    """Remembers where the ledger stood, so a test can assert what one action added."""

    def __init__(self) -> None:
        self.mark()

    def mark(self) -> None:
        self.start = (
            AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0
        )

    def new(self) -> list[AuditEvent]:
        return list(AuditEvent.objects.filter(sequence__gt=self.start).order_by("sequence"))

    def assert_one(self, action: str, **fields: Any) -> AuditEvent:
        events = self.new()
        assert [e.action for e in events] == [action], f"events: {[e.action for e in events]}"
        for key, value in fields.items():
            assert getattr(events[0], key) == value, (key, getattr(events[0], key), value)
        self.mark()
        return events[0]

    def assert_none(self) -> None:
        events = self.new()
        assert events == [], f"unexpected audit events: {[e.action for e in events]}"


@pytest.fixture
def audit_log(db) -> AuditTracker:
    return AuditTracker()
