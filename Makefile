# Steward — two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
STAMP  := $(VENV)/.installed

.PHONY: run test install migrate demo lint format check-migrations clean bench openapi

$(STAMP): requirements.txt requirements-dev.txt requirements-test-clients.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt \
		-r requirements-test-clients.txt
	touch $(STAMP)

install: $(STAMP)

migrate: install
	mkdir -p var
	$(PY) manage.py migrate --noinput -v0

## Load the demo organisation and its governance (reviews, some overdue; approvals), idempotent.
demo: migrate
	$(PY) manage.py seed_demo

## Set up and start web (127.0.0.1:8000), Celery worker and beat with demo data; Ctrl-C stops all.
run: demo
	@echo
	@echo "  Steward:  http://127.0.0.1:8000/     API docs: http://127.0.0.1:8000/api/docs/"
	@echo "  Sign in with any demo login above. Web, Celery worker and beat start below;"
	@echo "  Ctrl-C stops all three."
	@echo
	$(VENV)/bin/honcho -f Procfile.dev start

## Set up and run the whole test suite.
test: install
	$(PY) -m pytest $(PYTEST_ARGS)

## Style, and the layers: imports only go down (contracts in pyproject.toml; README, Architecture).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## Write the API's contract (docs/openapi.json) after a deliberate change to the API.
openapi: install
	$(PY) manage.py spectacular --format openapi-json --file var/openapi.json
	$(PY) -m json.tool --sort-keys --indent 1 var/openapi.json docs/openapi.json

check-migrations: install
	$(PY) manage.py makemigrations --check --dry-run

## Run every benchmark under bench/ (SQLite; see README's Performance section for PostgreSQL).
## The MLflow comparison needs MLflow in var/bench-mlflow (README says how); it is skipped without.
bench: install
	$(PY) bench/audit_bench.py
	$(PY) bench/chase_bench.py
	$(PY) bench/map_bench.py --systems 2000 --runs 10
	$(PY) bench/evidence_bench.py --size 200
	$(PY) bench/dossier_bench.py
	@if [ -x var/bench-mlflow/bin/mlflow ]; then \
		$(PY) bench/mlflow_bench.py --mlflow var/bench-mlflow/bin/mlflow --client http && \
		$(PY) bench/mlflow_bench.py --mlflow var/bench-mlflow/bin/mlflow --client mlflow; \
	else \
		echo "bench/mlflow_bench.py skipped: no MLflow in var/bench-mlflow (see README)"; \
	fi

clean:
	rm -rf var .pytest_cache .ruff_cache
