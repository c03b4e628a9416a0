# Tongban (通办). `make run` serves the demo on http://127.0.0.1:$(PORT); `make test` runs the test suite.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
BASE_STAMP := $(VENV)/.base-installed
DEV_STAMP := $(VENV)/.dev-installed
RUN_ENV := TONGBAN_DEMO=1 TONGBAN_ALLOW_DERIVED_KEYS=1 TONGBAN_SECRET_KEY="$$(cat var/secret_key)"

.PHONY: run run-prod test test-pg lint openapi config-reference bench bench-data bench-compare bench-catalog bench-auth bench-cases bench-licenses backup restore clean lock help

help:
	@echo "make run            install, migrate, load the Yunnan demo data and serve http://127.0.0.1:$(PORT) (with the worker)"
	@echo "make run-prod       the production profile here: PostgreSQL, Redis, RQ workers, gunicorn processes, nginx, S3 store"
	@echo "make test           run the test suite (SQLite; set DATABASE_URL for PostgreSQL)"
	@echo "make lint           ruff, mypy, import-linter, OpenAPI and configuration-reference checks"
	@echo "make bench          every scenario against the production profile (PostgreSQL, Redis, RQ, gunicorn) with BENCH_CASES (5,000,000) cases"
	@echo "make bench-data     build the data set of make bench once (BENCH_CASES, BENCH_USERS; 5,000,000 cases take 20-30 minutes)"
	@echo "make bench-compare  each scenario's p95 at the smallest and the largest data size in bench/results/"
	@echo "make bench-catalog  catalogue benchmark (item guide page, search API) against a bare endpoint"
	@echo "make bench-cases    case submissions and workbench queues with 1,000,000 cases in a throw-away PostgreSQL"
	@echo "make bench-licenses licences issued (render + seal) per second and verifications per second"
	@echo "make backup        database (pg_dump) + stored files + manifest into var/backups/ (BACKUP=DIR to choose)"
	@echo "make restore BACKUP=DIR  restore a backup into an empty database and verify it (docs/operations/backup.md)"

$(VENV)/bin/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "需要 Python 3.11（未找到 $(PYTHON)）"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(BASE_STAMP): requirements/base.txt requirements/constraints.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements/base.txt -c requirements/constraints.txt
	touch $@

$(DEV_STAMP): $(BASE_STAMP) requirements/dev.txt
	$(PY) -m pip install --quiet -r requirements/dev.txt -c requirements/constraints.txt
	touch $@

var/secret_key:
	@mkdir -p var
	@$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@
	@chmod 600 $@

run: $(BASE_STAMP) var/secret_key
	$(RUN_ENV) $(PY) manage.py collectstatic --noinput -v0
	$(RUN_ENV) $(PY) manage.py migrate --noinput
	$(RUN_ENV) $(PY) manage.py load_demo_data
	@echo "通办演示站点：http://127.0.0.1:$(PORT)/  （演示账号见 README.md）"
	@# The background worker (outbox dispatch, webhooks, periodic jobs) runs beside gunicorn and stops with it.
	$(RUN_ENV) $(PY) manage.py run_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; trap 'exit 130' INT TERM; \
	$(RUN_ENV) $(VENV)/bin/gunicorn tongban.conf.wsgi --config python:tongban.conf.gunicorn --bind 127.0.0.1:$(PORT) \
		--workers 2 --threads 4 \
		--access-logfile -

# The production profile on this machine (deploy/run_prod.py; several machines: docs/operations/production.md).
run-prod: $(BASE_STAMP) var/secret_key
	$(PY) deploy/run_prod.py

test: $(DEV_STAMP)
	TONGBAN_DEBUG=1 $(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check tongban tests bench deploy
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	TONGBAN_DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	TONGBAN_DEBUG=1 $(PY) manage.py export_openapi --check
	TONGBAN_DEBUG=1 $(PY) manage.py config_reference --check

openapi: $(DEV_STAMP)
	TONGBAN_DEBUG=1 $(PY) manage.py export_openapi

config-reference: $(DEV_STAMP)
	TONGBAN_DEBUG=1 $(PY) manage.py config_reference

bench: $(DEV_STAMP)
	$(PY) bench/run.py

bench-data: $(DEV_STAMP)
	$(PY) bench/run.py --data-only

bench-compare: $(DEV_STAMP)
	$(PY) bench/run.py --compare

bench-catalog: $(DEV_STAMP)
	$(PY) bench/catalog.py

bench-auth: $(DEV_STAMP)
	$(PY) bench/auth.py

bench-cases: $(DEV_STAMP)
	$(PY) bench/cases.py

bench-licenses: $(DEV_STAMP)
	$(PY) bench/licenses.py

# Backup and restore: docs/operations/backup.md. DATABASE_URL and TONGBAN_DATA_DIR choose what is backed up or
# restored into; RESTORE_ARGS passes e.g. --database-url URL or --force.
backup: $(BASE_STAMP) var/secret_key
	$(RUN_ENV) $(PY) manage.py backup $(if $(BACKUP),--output "$(BACKUP)")

restore: $(BASE_STAMP) var/secret_key
	@test -n "$(BACKUP)" || { echo "用法：make restore BACKUP=<备份目录> [RESTORE_ARGS=--database-url URL]"; exit 2; }
	$(RUN_ENV) $(PY) manage.py restore --input "$(BACKUP)" $(RESTORE_ARGS)

lock: $(DEV_STAMP)
	(echo "# Every installed package, transitive ones included, pinned. Regenerate: make lock"; \
	 $(PY) -m pip freeze --all | grep -v -E "^(pip|setuptools|wheel)==") > requirements/constraints.txt

clean:
	rm -rf $(VENV) var
