# Sales assessment warehouse: the verbs a newcomer guesses (`make help` lists them).
# Every target runs with the project's .venv/bin first on PATH (no need to activate it), and
# every Python entry point reads `.env` (variables already set in the shell win).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SPARK_STAMP := $(VENV)/.installed-spark
# the oldest DuckDB client the published file must open (BI drivers bundle DuckDB 1.x)
BI_VENV := .venv-bi
BI_DUCKDB := 1.1.3
BI_STAMP := $(BI_VENV)/.installed-duckdb-$(BI_DUCKDB)
MANIFEST := dbt_project/target/manifest.json
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
# the demo writes here and nowhere else, whatever ASSESSMENT_* say in the shell or in .env
DEMO_DIR := data/demo
DEMO_QUARTERS := 4
DEMO_FLAGS :=
DEMO_ENV := ASSESSMENT_LANDING_DIR=$(DEMO_DIR)/landing \
	ASSESSMENT_WAREHOUSE=$(DEMO_DIR)/warehouse.duckdb \
	ASSESSMENT_PUBLISHED=$(DEMO_DIR)/published.duckdb \
	ASSESSMENT_REPORTS_DIR=$(DEMO_DIR)/reports \
	ASSESSMENT_ADAPTED_DIR=$(DEMO_DIR)/adapted \
	ASSESSMENT_SOURCES= ASSESSMENT_CONFIG=
DEMO_ENV_ABS := $(subst =$(DEMO_DIR),=$(CURDIR)/$(DEMO_DIR),$(DEMO_ENV))
PORT ?= 3000
# the browser test drives Debian's chromium; apt-get needs root (else sudo)
CHROMIUM := /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
PARTITION ?= $(shell $(PYTHON) -m salesassess.method.calendar latest)
# `make assess V=1`: Dagster's and dbt's full logs instead of one line per step
ASSESS_FLAGS := $(if $(V),-v,)

.PHONY: help install demo demo-dev assess test test-spark dev bench lint docs docs-dbt data-docs \
	browser-deps spark-deps bi-client clean

help: ## this list
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-13s %s\n", $$1, $$2}' \
		$(MAKEFILE_LIST)
	@echo "  variables: PARTITION=YYYY-MM-DD (a quarter's first day; default the latest" \
		"complete quarter), V=1 (full logs), PORT=3000 (the UI)"

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

$(MANIFEST): $(STAMP) $(shell find dbt_project/models dbt_project/macros dbt_project/tests -type f) dbt_project/dbt_project.yml
	$(PY) -m salesassess.engines.dbt_cli parse --quiet --target duckdb

install: $(STAMP) $(MANIFEST) ## create .venv and install the pinned stack
	@mkdir -p $(DAGSTER_HOME)
	@test -f $(DAGSTER_HOME)/dagster.yaml || cp orchestration/dagster.yaml $(DAGSTER_HOME)/dagster.yaml

demo: install ## demo data in data/demo/, assess its four quarters, print the latest
	$(DEMO_ENV) $(PY) -m salesassess.demo.data --out $(DEMO_DIR)/landing \
		--last-quarter $(PARTITION) --quarters $(DEMO_QUARTERS) $(DEMO_FLAGS)
	rm -f $(DEMO_DIR)/warehouse.duckdb
	$(DEMO_ENV) $(PY) -m orchestration.assess --partition $(PARTITION) \
		--quarters $(DEMO_QUARTERS) $(ASSESS_FLAGS)
	$(DEMO_ENV) $(PY) -m orchestration.summary --partition $(PARTITION)
	$(DEMO_ENV) $(PY) -m salesassess.demo.planted_fault --partition $(PARTITION)

# run from the demo's folder: Dagster's CLI reads .env from its working directory
demo-dev: install ## the Dagster UI on the demo's warehouse (after make demo)
	cd $(DEMO_DIR) && $(DEMO_ENV_ABS) dagster dev -w $(CURDIR)/workspace.yaml -p $(PORT)

# ASSESSMENT_ENGINE=spark (in the shell): the spark extra and Java first
assess: install $(if $(filter spark,$(ASSESSMENT_ENGINE)),spark-deps) ## assess one quarter: make assess PARTITION=2026-07-01
	$(PY) -m orchestration.assess --partition $(PARTITION) $(ASSESS_FLAGS)

test: install browser-deps spark-deps bi-client ## the whole test suite (Spark, the browser, an old DuckDB client)
	$(VENV)/bin/pytest -q

test-spark: install spark-deps ## the Dagster jobs on local Spark, compared with DuckDB
	$(VENV)/bin/pytest -q -m spark

# dbt-spark's session method runs Spark in the dbt process: pyspark and a Java runtime
$(SPARK_STAMP): $(STAMP)
	$(VENV)/bin/pip install --quiet -c constraints.txt -e ".[dev,spark]"
	touch $(SPARK_STAMP)

spark-deps: $(SPARK_STAMP) ## the spark extra, and Java 17 when missing
	@command -v java >/dev/null || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq openjdk-17-jre-headless; }

# a second environment with an older DuckDB, as BI tools have it (tests/publishing/test_bi.py)
$(BI_STAMP):
	rm -rf $(BI_VENV)
	$(PYTHON) -m venv $(BI_VENV)
	$(BI_VENV)/bin/pip install --quiet duckdb==$(BI_DUCKDB)
	touch $(BI_STAMP)

bi-client: $(BI_STAMP) ## a second environment with DuckDB $(BI_DUCKDB), the BI drivers' client

browser-deps: ## Debian's chromium for the browser test, when missing
	@test -x $(CHROMIUM) || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; }

# mkdocs.yml's hook copies the dbt docs into the site (site/dbt/index.html)
docs: docs-dbt ## the documentation site (MkDocs) in site/, with the dbt docs inside it
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --site-dir site
	@echo "docs: site/index.html (dbt docs: site/dbt/index.html)"

docs-dbt: install ## dbt docs of every model and column, one static HTML file
	$(PY) -m salesassess.engines.dbt_cli docs generate --static
	@echo "dbt docs: dbt_project/target/static_index.html (one self-contained file)"

data-docs: install ## where the Great Expectations Data Docs of ASSESSMENT_WAREHOUSE are
	@$(PY) -m salesassess.quality.data_docs

dev: install ## the Dagster UI (http://127.0.0.1:3000) on ASSESSMENT_WAREHOUSE
	dagster dev -w workspace.yaml -p $(PORT)

bench: install ## benchmarks: medians, peak memory per step, the scale targets (~1.5 h)
	$(PY) -u -m bench.run
	$(PY) -u -m bench.run --steps 200x250
	$(PY) -u -m bench.auto_scorer
	$(PY) -u -m bench.learned_scorer
	$(PY) -u -m bench.persuasion_agreement
	$(PY) -u -m bench.run --scale 400x250,2000x250,4000x250

lint: install ## ruff and sqlfluff
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	cd dbt_project && ASSESSMENT_WAREHOUSE=/tmp/assessment_lint.duckdb ../$(VENV)/bin/sqlfluff lint models tests macros --processes 1

clean: ## remove .venv, .venv-bi, dbt's build output and the docs site (never data/)
	rm -rf $(VENV) $(BI_VENV) dbt_project/target dbt_project/logs .pytest_cache site
