# KS Mall: the two commands are `make run` and `make test`; see README.md.
PORT ?= 8000
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: run test lint format serve worker beat messages makemessages migrate clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

var:
	mkdir -p var/media var/staticfiles

# Compile the translation catalogues with Babel (pure Python: no system gettext needed).
messages: $(VENV)/.runtime
	$(VENV)/bin/pybabel compile --domain django --directory locale 2>&1 | grep -v "^compiling" || true
	@test -f locale/zh_Hans/LC_MESSAGES/django.mo

# Extract new strings into the .po files (needs GNU gettext: apt-get install gettext).
makemessages: $(VENV)/.runtime
	$(PY) manage.py makemessages --locale zh_Hans --locale en --ignore ".venv/*" --ignore "var/*" --no-obsolete

migrate: $(VENV)/.runtime var
	$(PY) manage.py migrate --noinput

run: $(VENV)/.runtime var messages migrate
	$(PY) manage.py seed_demo
	@echo "KS Mall is starting on http://127.0.0.1:$(PORT)/"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(VENV)/.dev var messages
	$(VENV)/bin/pytest

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Production-like on one machine: gunicorn + Celery worker + beat (Procfile), on PostgreSQL and Redis.
serve: $(VENV)/.dev var messages
	@test -n "$$DATABASE_URL" || { echo "make serve needs DATABASE_URL (PostgreSQL)"; exit 2; }
	@test -n "$$REDIS_URL" || { echo "make serve needs REDIS_URL (Redis)"; exit 2; }
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	PORT=$(PORT) $(VENV)/bin/honcho start -f Procfile

worker: $(VENV)/.runtime
	@test -n "$$REDIS_URL" || { echo "make worker needs REDIS_URL; without it tasks run in-process"; exit 2; }
	$(VENV)/bin/celery -A ksmall worker --loglevel INFO

beat: $(VENV)/.runtime var
	$(VENV)/bin/celery -A ksmall beat --loglevel INFO --schedule var/celerybeat-schedule

clean:
	rm -rf $(VENV) var/staticfiles .pytest_cache .ruff_cache
