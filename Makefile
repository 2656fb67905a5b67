# Comité: `make run` serves the app with demo data, `make test` runs the tests.
# Both work on a bare machine with Python 3.11: uv is installed with pip when missing.
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)
MANAGE := $(UV) run --frozen python manage.py
HOST ?= 127.0.0.1:8000
# The address in e-mails and calendar invitations: the one `make run` serves.
SITE_URL ?= http://$(HOST)

.PHONY: env run test quality format bench worker

env:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet --user uv
	$(UV) sync --frozen

run: env
	$(MANAGE) migrate --noinput
	$(MANAGE) setup_demo
	$(MANAGE) setup_demo_metrics
	$(MANAGE) setup_demo_reports
	SITE_URL=$(SITE_URL) DEBUG=1 $(MANAGE) runserver $(HOST)

test: env
	$(UV) run --frozen pytest $(PYTEST_ARGS)

quality: env
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen ruff check .
	$(UV) run --frozen djlint --check templates
	$(UV) run --frozen djlint --lint templates
	$(UV) run --frozen lint-imports
	$(MANAGE) makemigrations --check --dry-run
	$(MANAGE) check
	$(UV) run --frozen check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml

format: env
	$(UV) run --frozen ruff format .
	$(UV) run --frozen ruff check --fix .
	$(UV) run --frozen djlint --reformat templates

bench: env
	$(UV) run --frozen python bench/run.py

worker: env
	$(UV) run --frozen celery -A config worker --loglevel=INFO
