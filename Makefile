# Steward — two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
STAMP  := $(VENV)/.installed

.PHONY: run test install migrate demo lint format check-migrations clean bench

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
	$(PY) manage.py seed_governance_demo

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

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check-migrations: install
	$(PY) manage.py makemigrations --check --dry-run

bench: migrate
	$(PY) bench/run_all.py

clean:
	rm -rf var .pytest_cache .ruff_cache
