# The README's two commands are `make run` and `make test`; both set up everything they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run test test-fast lint typecheck bench bench-load browser-deps messages lock clean

setup: $(STAMP)

$(STAMP): requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.lock
	@rm -f $(VENV)/.installed-*
	@touch $@

# Debian's chromium for the browser tests (Playwright drives it; no browser download) and poppler-utils
# (pdftoppm renders the printed certificate so the test can decode its QR code).
browser-deps:
	@{ command -v chromium && command -v pdftoppm; } >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null; \
	  else echo "chromium or pdftoppm is missing: run 'sudo apt-get install chromium poppler-utils'" >&2; exit 1; fi; }

# The demo runs like production would (DEBUG off, hashed static files); DEBUG=true make run for debugging.
run: export DEBUG := $(or $(DEBUG),false)
run: setup
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python manage.py seed_demo --if-empty
	$(BIN)/python manage.py demo_accounts
	@echo "P2HAM is running at http://$(HOST):$(PORT)/  (Ctrl+C stops it)"
	$(BIN)/gunicorn config.wsgi --bind $(HOST):$(PORT) --workers $${WEB_CONCURRENCY:-2} \
	  --threads 4 --access-logfile - --forwarded-allow-ips=127.0.0.1

test: setup browser-deps
	$(BIN)/pytest -p no:cacheprovider $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

typecheck: setup
	$(BIN)/mypy p2ham config

bench: setup
	$(BIN)/python bench/run.py
	$(BIN)/python bench/scoring.py
	$(BIN)/python bench/assessment_queries.py
	$(BIN)/python bench/review_queries.py
	$(BIN)/python bench/results_bench.py

# Deadline-day load (~3 min): gunicorn with the production settings on a throwaway PostgreSQL database,
# driven by locust. Needs PostgreSQL at 127.0.0.1:5432 (BENCH_POSTGRES_URL); uses Redis when it answers.
bench-load: setup
	$(BIN)/python bench/deadline.py $(BENCH_ARGS)

# Translators: refresh the catalogue, edit locale/id/LC_MESSAGES/django.po, then compile (needs gettext).
messages: setup
	$(BIN)/python manage.py makemessages -l id --no-obsolete -i ".venv/*" -i "var/*"
	$(BIN)/python manage.py compilemessages -l id --ignore=.venv

# Re-pin after changing requirements.in.
lock:
	rm -rf /tmp/p2ham-lock && $(PYTHON) -m venv /tmp/p2ham-lock
	/tmp/p2ham-lock/bin/pip install -q -r requirements.in
	/tmp/p2ham-lock/bin/pip freeze --exclude-editable | sort > requirements.lock

clean:
	rm -rf $(VENV) var/static
