# The two commands a newcomer needs: `make run` and `make test`. Everything else is for production.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PORT ?= 8000
VENV ?= .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
# `run` and `test` (and what they need first) default to DEBUG=1: a laptop with nothing configured runs on the
# embedded default. The production targets read DEBUG from the environment, where it defaults to off.
run test test-fast messages migrate seed lint check: export DEBUG ?= 1
# The suite runs in parallel processes (pytest-xdist): one per core by default. Tests of one browser module share a
# process (their live server); every process has its own test database and its own keys in Redis.
PYTEST_WORKERS ?= auto
PYTEST := $(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist loadgroup

.PHONY: help run test test-fast lint check messages migrate seed web worker beat gateway bench clean

help:
	@echo "make run     serve the demo on http://127.0.0.1:$(PORT) (embedded default: SQLite, local files)"
	@echo "make test    ruff, migrations check, import contracts, the whole suite in parallel (what CI runs)"
	@echo "make test-fast   the inner loop: the suite without browser and slow tests, on SQLite, in parallel"
	@echo "make web | worker | beat   production processes (configured by environment, see .env.example)"
	@echo "make gateway the exchange gateway stand-in alone on GATEWAY_PORT (default 8001), docs/registries.md"

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || "$$(scripts/find-python)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

messages: $(VENV)/.installed
	@if command -v msgfmt >/dev/null 2>&1; then \
		$(MANAGE) compilemessages --ignore=.venv --ignore=var -v 0; \
	else \
		$(VENV)/bin/pybabel compile --domain=django --directory=locale --statistics 2>&1 | grep -v '^$$' || true; \
	fi

migrate: $(VENV)/.installed
	$(MANAGE) migrate --noinput -v 0

seed: migrate
	$(MANAGE) seed_demo

# Renewals due (docs/renewals.md) are opened once the server, and the registries' stand-in in it, is up.
run: $(VENV)/.installed messages seed
	$(MANAGE) renewals_run --wait 60 & $(MANAGE) runserver 127.0.0.1:$(PORT)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

check: $(VENV)/.installed
	$(MANAGE) check
	$(MANAGE) makemigrations --check --dry-run

test: $(VENV)/.installed messages lint check
	$(PYTEST) --durations=15 $(PYTEST_ARGS)

# Embedded default whatever the shell says: no PostgreSQL, no Redis, no CI (whose rule turns their skips into failures).
test-fast: export DATABASE_URL :=
test-fast: export CELERY_BROKER_URL :=
test-fast: export REDIS_URL :=
test-fast: export CI :=
test-fast: $(VENV)/.installed messages
	$(PYTEST) -m "not browser and not slow and not postgres and not redis" $(PYTEST_ARGS)

# The access log leaves out query strings: a search by RNOKPP must not end up in a log file.
web: $(VENV)/.installed
	$(MANAGE) collectstatic --noinput -v 0
	$(VENV)/bin/gunicorn config.wsgi --bind $${BIND:-0.0.0.0:$(PORT)} --workers $${WEB_CONCURRENCY:-3} \
		--access-logfile - --access-logformat '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'

worker: $(VENV)/.installed
	$(VENV)/bin/celery -A config worker --loglevel=INFO --concurrency=$${CELERY_CONCURRENCY:-2}

beat: $(VENV)/.installed
	$(VENV)/bin/celery -A config beat --loglevel=INFO --schedule=$${CELERY_BEAT_SCHEDULE_FILE:-var/celerybeat-schedule}

# The exchange gateway stand-in on its own (the production layout's place of the security server; never production).
GATEWAY_PORT ?= 8001
gateway: $(VENV)/.installed
	$(PY) -m gateway --host $${GATEWAY_HOST:-127.0.0.1} --port $(GATEWAY_PORT)

clean:
	rm -rf var/ test-output/
