# Newsroom — make run (serve the demo site), make test (the whole suite).
# Python comes from .python-version (3.13) through pyenv, or PYTHON=python3.13.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?= -n auto

# Development defaults for manage.py; production sets real values in the environment.
export DEBUG ?= 1

.PHONY: lighthouse messages run install install-dev system-deps migrate demo test test-fast e2e reliability lint format check check-seo bench bench-pages bench-sql requirements clean

# The site, a task worker (sends the sign-up confirmations) and the periodic jobs, under honcho
# (Procfile.dev); Ctrl+C stops all three. Emails: the worker's output and var/mail/*.eml.
run: install-dev migrate demo
	PATH="$(CURDIR)/$(BIN):$$PATH" HOST=$(HOST) PORT=$(PORT) PYTHONUNBUFFERED=1 \
		EMAIL_BACKEND=$${EMAIL_BACKEND:-newsroom.mail.DevelopmentEmailBackend} \
		$(BIN)/honcho -f Procfile.dev start

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.base: requirements/base.txt | $(BIN)/python
	$(BIN)/pip install -q --require-hashes -r requirements/base.txt
	touch $@

$(VENV)/.dev: requirements/dev.txt | $(BIN)/python
	$(BIN)/pip install -q --require-hashes -r requirements/dev.txt
	touch $@ $(VENV)/.base

install: $(VENV)/.base
install-dev: $(VENV)/.dev

system-deps:
	bash scripts/system-deps

migrate: install
	mkdir -p var
	$(BIN)/python manage.py migrate --no-input -v0

demo: migrate
	$(BIN)/python manage.py load_demo

# The whole suite: unit, integration (real SMTP sink) and browser journeys.
# DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom runs it on PostgreSQL; unset, on SQLite.
test: install-dev system-deps
	$(BIN)/python manage.py makemigrations --check --dry-run -v0
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS) -m "not e2e"

e2e: install-dev system-deps
	$(BIN)/python -m pytest -m e2e

# Long load, outage and fuzz runs (docs/reliability.md); `make test` runs their fast subset.
reliability: install-dev system-deps
	NEWSROOM_LONG=1 $(BIN)/python -m pytest tests/reliability -n 0 $(RELIABILITY_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: install
	DEBUG=0 SECRET_KEY=check-deploy-$$(date +%s)-a-long-random-enough-secret-value-for-django ALLOWED_HOSTS=example.org \
		SITE_URL=https://example.org DATABASE_URL=$${DATABASE_URL:-sqlite:///var/check.sqlite3} \
		REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

# Independent checkers on the served demo (not in CI; needs npm and Java): structured-data-testing-tool
# (Google + SocialMedia presets) on three stories, the Nu HTML Checker on every public page. See docs/site.md.
check-seo: install
	$(BIN)/python scripts/check_seo.py

# Benchmarks print figures (never pass/fail): every bench/bench_*.py, or BENCH=bench/bench_x.py.
BENCH ?= $(wildcard bench/bench_*.py)
bench: install-dev
	@for script in $(BENCH); do echo "=== $$script"; $(BIN)/python $$script || exit 1; done

# Lighthouse (mobile) on the demo article page with pictures; installs npm lighthouse into .lighthouse/.
lighthouse: install-dev
	$(BIN)/python bench/lighthouse.py

# Public pages under load (docs/benchmarks.md): 100 000 stories on PostgreSQL, gunicorn + wrk, ceiling in the same run.
bench-pages: install-dev
	$(BIN)/python bench/bench_pages.py --publish

# Flatness of the SQL (docs/benchmarks.md): each public page's PostgreSQL execution time at 100 000
# stories against 1 000 (the databases bench-pages makes); fails when a page grows past 3× (+2 ms)
# times the growth of what it shows (its bytes; for search, the stories it ranks, at most 201).
# The search bound: BENCH_SQL_LARGE=bench_perf_1m BENCH_SQL_SMALL=bench_perf (both rank 201).
# Then each page's queries on PostgreSQL's generic plans against custom ones (articles/plans.py):
# fails when a page's generic plans cost over 3× (+2 ms) — a rare tag's listing once took 310 ms.
BENCH_PG ?= postgres://postgres@127.0.0.1:5432
bench-sql: install-dev
	@status=0; \
	DATABASE_URL=$(BENCH_PG)/$${BENCH_SQL_LARGE:-bench_perf} $(BIN)/python bench/explain_pages.py --against $(BENCH_PG)/$${BENCH_SQL_SMALL:-bench_perf_1k} || status=1; \
	DATABASE_URL=$(BENCH_PG)/$${BENCH_SQL_LARGE:-bench_perf} $(BIN)/python bench/explain_pages.py --generic || status=1; \
	exit $$status

# Re-pin dependencies after editing requirements/*.in (hashes, no URLs).
requirements: install-dev
	$(BIN)/pip install -q uv
	cd requirements && ../$(BIN)/uv pip compile --python-version 3.13 --generate-hashes --no-header --quiet base.in -o base.txt
	cd requirements && ../$(BIN)/uv pip compile --python-version 3.13 --generate-hashes --no-header --quiet dev.in -o dev.txt

# Compile the project's French catalogue (locale/fr) after editing it; the .mo is committed.
messages:
	msgfmt --check-format -o locale/fr/LC_MESSAGES/django.mo locale/fr/LC_MESSAGES/django.po

clean:
	rm -rf $(VENV) var
