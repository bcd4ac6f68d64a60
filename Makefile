# Sales assessment warehouse: the verbs a newcomer guesses.
#   make demo    create .venv, install, generate demo data, assess the latest quarter, print it
#   make test    the whole test suite (the Spark comparison included)
#   make test-spark  the same dbt project on local Spark, compared with DuckDB mart by mart
#   make dev     the Dagster UI on the same warehouse
#   make assess PARTITION=2026-07-01   materialise every asset of one quarter
#   make bench   benchmarks (medians of 3 runs, peak memory)
#   make lint    ruff + sqlfluff
#   make docs    dbt docs of every model and column, one static HTML file

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SPARK_STAMP := $(VENV)/.installed-spark
MANIFEST := dbt_project/target/manifest.json
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
export ASSESSMENT_LANDING_DIR ?= data/landing
export ASSESSMENT_WAREHOUSE ?= data/warehouse.duckdb
export ASSESSMENT_REPORTS_DIR ?= data/reports
# the browser test drives Debian's chromium; apt-get needs root (else sudo)
CHROMIUM := /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
PARTITION ?= $(shell $(PYTHON) -m salesassess.calendar latest)

.PHONY: install demo assess test test-spark dev bench lint docs browser-deps spark-deps clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

$(MANIFEST): $(STAMP) $(shell find dbt_project/models dbt_project/macros dbt_project/tests -type f) dbt_project/dbt_project.yml
	cd dbt_project && ../$(VENV)/bin/dbt parse --quiet --profiles-dir .

install: $(STAMP) $(MANIFEST)
	@mkdir -p $(DAGSTER_HOME)

demo: install
	$(PY) -m salesassess.demo_data --out $(ASSESSMENT_LANDING_DIR) --last-quarter $(PARTITION)
	rm -f $(ASSESSMENT_WAREHOUSE)
	$(PY) -m orchestration.assess --partition $(PARTITION) --quarters 4
	$(PY) -m orchestration.summary --partition $(PARTITION)

assess: install
	$(PY) -m orchestration.assess --partition $(PARTITION)

test: install browser-deps spark-deps
	$(VENV)/bin/pytest -q

test-spark: install spark-deps
	$(VENV)/bin/pytest -q -m spark

# dbt-spark's session method runs Spark in the dbt process: pyspark and a Java runtime
$(SPARK_STAMP): $(STAMP)
	$(VENV)/bin/pip install --quiet -c constraints.txt -e ".[dev,spark]"
	touch $(SPARK_STAMP)

spark-deps: $(SPARK_STAMP)
	@command -v java >/dev/null || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq openjdk-17-jre-headless; }

browser-deps:
	@test -x $(CHROMIUM) || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; }

docs: install
	cd dbt_project && ASSESSMENT_WAREHOUSE=$(abspath $(ASSESSMENT_WAREHOUSE)) \
		../$(VENV)/bin/dbt docs generate --static --profiles-dir .
	@echo "dbt docs: dbt_project/target/static_index.html (one self-contained file)"

dev: install
	$(VENV)/bin/dagster dev -w workspace.yaml

bench: install
	$(PY) -u -m bench.run
	$(PY) -u -m bench.auto_scorer

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	cd dbt_project && ASSESSMENT_WAREHOUSE=/tmp/assessment_lint.duckdb ../$(VENV)/bin/sqlfluff lint models tests macros --processes 1

clean:
	rm -rf $(VENV) dbt_project/target dbt_project/logs .pytest_cache
