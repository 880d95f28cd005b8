# permitflow: `make run` starts the office on demo data, `make test` runs every check.
# Both install what they need on a fresh machine (Python venv, npm assets, chromium).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP_STAMP := $(VENV)/.installed
ASSET_STAMP := webapp/static/vendor/.installed
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install assets browser pdf lint pytest fuzz benchmarks prod-check clean

install: $(PIP_STAMP)

$(PIP_STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

assets: $(ASSET_STAMP)

$(ASSET_STAMP): webapp/package.json webapp/package-lock.json $(PIP_STAMP)
	npm --prefix webapp ci --no-audit --no-fund --loglevel=error
	$(PY) -m webapp.assets
	touch $@

# Debian's chromium for the browser tests (Playwright drives it; no browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "warning: chromium is missing and this is not root; browser tests will be skipped"; fi; }

# Debian's Pango, HarfBuzz and fonts for WeasyPrint, which renders permits as PDF.
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
pdf:
	@dpkg -s $(PDF_PACKAGES) >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PDF_PACKAGES) >/dev/null; \
	  else echo "warning: install $(PDF_PACKAGES) (apt) so permits can be rendered as PDF"; fi; }

run: install assets pdf
	$(VENV)/bin/permitflow db upgrade
	$(VENV)/bin/python -m engine.integration.stubs 8701 & STUBS=$$!; \
	trap "kill $$STUBS" EXIT; \
	$(VENV)/bin/permitflow demo && \
	$(VENV)/bin/permitflow serve --host $(HOST) --port $(PORT)

lint: install
	$(VENV)/bin/ruff check engine simulations webapp tests benchmarks processes
	$(VENV)/bin/ruff format --check engine simulations webapp tests benchmarks processes
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy engine simulations

pytest: install assets browser pdf
	$(VENV)/bin/pytest -n 2 --dist loadgroup -q

test: lint pytest

# the fuzz test of tests/web/test_fuzz.py with more random examples than `make test` runs
FUZZ_EXAMPLES ?= 200
fuzz: install
	PERMITFLOW_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(VENV)/bin/pytest -q -x tests/web/test_fuzz.py

benchmarks: install
	$(PY) benchmarks/engine_throughput.py
	$(PY) benchmarks/analysis_scale.py
	$(PY) benchmarks/simulation_validity.py

# The production layout (docs/deployment.md) on this machine's PostgreSQL and Redis:
# 2 app processes, a Celery worker and beat, a smoke test, then everything stopped.
prod-check: install
	$(PY) scripts/prod_check.py

clean:
	rm -rf $(VENV) webapp/node_modules webapp/static/vendor instance .pytest_cache
