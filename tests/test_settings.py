"""Settings and project wiring: production mode refuses to start without its secrets and passes
``check --deploy``; the OpenAPI schema and docs are served, with every asset local."""

import json
import re
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.server_support import BASE_DIR, granian, manage, production_env

REQUIRED = ("SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "ALLOWED_HOSTS", "EMAIL_URL")


# --- Production mode --------------------------------------------------------------------------


def test_the_wsgi_application_loads_in_production_and_freezes_what_it_loaded(tmp_path):
    # The server imports config.wsgi; after loading, the long-lived objects are moved out of the
    # garbage collector's reach (gc.freeze), which shortens collections on large pages.
    code = (
        "import gc; assert gc.get_freeze_count() == 0; "
        "import config.wsgi; print(callable(config.wsgi.application), gc.get_freeze_count())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    loaded, frozen = result.stdout.split()
    assert loaded == "True"
    assert int(frozen) > 10_000


def test_the_production_server_serves_the_application(tmp_path):
    # The command README gives for production: granian's WSGI interface on config.wsgi. The
    # request comes as from the TLS proxy in front (X-Forwarded-Proto), else it would be
    # redirected to https; an unauthenticated API call needs no database.
    env = production_env(tmp_path, ALLOWED_HOSTS="127.0.0.1")
    log = tmp_path / "granian.log"
    with granian(env, log) as port:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/2.0/mlflow/model-versions/get?name=m&version=1",
            headers={"X-Forwarded-Proto": "https", "X-Request-ID": "smoke-1"},
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=60)
        assert refused.value.code == 401, log.read_text()
        assert refused.value.headers["X-Request-ID"] == "smoke-1"
        assert json.loads(refused.value.read())["error_code"] == "UNAUTHENTICATED"


def test_production_check_deploy_is_clean(tmp_path):
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_check_deploy_is_clean_with_hsts_preload(tmp_path):
    env = production_env(tmp_path, SECURE_HSTS_PRELOAD="true")
    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_check_deploy_flags_a_per_process_cache(tmp_path):
    # The token-creation throttle counts in the cache: per process, each worker allows the rate.
    result = manage(
        production_env(tmp_path, CACHE_URL=None), "check", "--deploy", "--fail-level", "WARNING"
    )
    assert result.returncode != 0
    assert "steward.W001" in result.stderr and "CACHE_URL" in result.stderr


@pytest.mark.parametrize("missing", REQUIRED)
def test_production_refuses_to_start_without_a_required_variable(tmp_path, missing):
    result = manage(production_env(tmp_path, **{missing: None}), "check")
    assert result.returncode != 0
    assert missing in result.stderr
    assert "ImproperlyConfigured" in result.stderr


def test_production_refuses_an_empty_secret_key(tmp_path):
    result = manage(production_env(tmp_path, SECRET_KEY=""), "check")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_check_deploy_flags_a_weak_secret_key(tmp_path):
    result = manage(
        production_env(tmp_path, SECRET_KEY="short"), "check", "--deploy", "--fail-level", "WARNING"
    )
    assert result.returncode != 0
    assert "security.W009" in result.stderr


def test_production_forces_debug_off(tmp_path):
    env = production_env(tmp_path, DEBUG="true")
    result = manage(env, "shell", "-c", "from django.conf import settings; print(settings.DEBUG)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"


@pytest.mark.parametrize(
    ("threshold", "expected"), [(None, "5"), ("0", "None"), ("1", "1")], ids=str
)
def test_postgresql_uses_steward_backend_and_prepares_repeated_statements(
    tmp_path, threshold, expected
):
    env = production_env(
        tmp_path,
        DATABASE_URL="postgres://steward@db.example.com:5432/steward",
        DATABASE_PREPARE_THRESHOLD=threshold,
    )
    code = (
        "from django.conf import settings; d = settings.DATABASES['default']; "
        "print(d['ENGINE'], d['CONN_HEALTH_CHECKS'], d['OPTIONS']['server_side_binding'], "
        "d['OPTIONS']['prepare_threshold'])"
    )
    result = manage(env, "shell", "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "config.postgresql",
        "True",
        "True",
        expected,
    ]


# --- OpenAPI schema and docs ------------------------------------------------------------------


@pytest.mark.django_db
def test_schema_is_served_and_names_the_contract(client):
    resp = client.get("/api/schema/?format=json")
    assert resp.status_code == 200
    schema = resp.json()
    assert schema["openapi"].startswith("3.")
    for path in (
        "/api/v1/systems/",
        "/api/v1/systems/{id}/",
        "/api/v1/models/",
        "/api/v1/model-versions/",
        "/api/v1/model-versions/{id}/lineage/",
        "/api/v1/datasets/",
        "/api/v1/datasets/{id}/lineage/",
        "/api/v1/lineage-edges/",
        "/api/v1/deployments/",
        "/api/v1/incidents/",
        "/api/v1/teams/",
        "/api/v1/users/me/",
        "/api/v1/auth/tokens/",
    ):
        assert path in schema["paths"], path
    assert "tokenAuth" in schema["components"]["securitySchemes"]
    assert client.get("/api/schema/").status_code == 200  # YAML by default


def test_schema_generates_without_warnings(tmp_path):
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml")
    )
    assert (tmp_path / "schema.yml").read_text().startswith("openapi: 3")


@pytest.mark.django_db
def test_docs_are_served_with_local_assets_only(client):
    resp = client.get("/api/docs/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assets = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)["\']', html)
    assert assets, "the docs page references no assets"
    external = [a for a in assets if re.match(r"(?i)(https?:)?//", a)]
    assert external == []
    assert not re.search(r"(?i)https?://[^\s\"']*(cdn|unpkg|jsdelivr|cloudflare)", html)
    assert "/api/schema/" in html
    for asset in assets:
        assert asset.startswith(settings.STATIC_URL), asset
        served = client.get(asset)
        assert served.status_code == 200, asset
        b"".join(served.streaming_content if served.streaming else [served.content])
