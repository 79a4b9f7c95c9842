# iris-mlops: `make run` runs the whole pipeline locally, `make test` installs and passes the tests.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
CONSTRAINTS := requirements/constraints.txt
# Re-install only when the project's metadata or the pinned versions change.
STAMP_LOCAL := $(VENV)/.installed-local
STAMP_DEV := $(VENV)/.installed-dev
TARGET ?= local

.DEFAULT_GOAL := help
.PHONY: help run test test-slow spark-archive ensure-chromium lint typecheck unit build wheel-check clean check-java install install-dev lock

help: ## List the commands
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-22s %s\n", $$1, $$2}'

check-java: ## Fail in one line when Java 17+ is missing
	@scripts/check_java.sh

ensure-chromium: ## Install Debian's chromium for the page tests when missing (as root), else say how
	@scripts/ensure_chromium.sh

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP_LOCAL): pyproject.toml $(CONSTRAINTS) | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -c $(CONSTRAINTS) -e ".[local]"
	@touch $@

$(STAMP_DEV): pyproject.toml $(CONSTRAINTS) | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -c $(CONSTRAINTS) -e ".[local,dev]"
	@touch $@ $(STAMP_LOCAL)

install: $(STAMP_LOCAL) ## Create .venv and install .[local]
install-dev: $(STAMP_DEV) ## Create .venv and install .[local,dev]

spark-archive: check-java install ## Build the local Spark driver's class archive once (faster starts; ~/.cache/iris-mlops)
	$(VENV)/bin/iris-mlops spark-archive

run: check-java install spark-archive ## Run the whole pipeline on the embedded local default
	$(VENV)/bin/iris-mlops run

lint: install-dev ## ruff, and import-linter's layering contracts (pyproject.toml, docs/architecture.md)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/lint-imports

typecheck: install-dev ## mypy on src/
	$(VENV)/bin/mypy

unit: check-java install-dev spark-archive ## The fast test suite alone (not the `slow` tests)
	$(VENV)/bin/pytest -m "not slow"

test: check-java lint typecheck unit ## Install .[local,dev], lint, type-check and run the fast tests

test-slow: check-java install-dev spark-archive ensure-chromium ## The `slow` tests: extra JVMs and processes, wheel builds and launches, browsers
	$(VENV)/bin/pytest -m slow

# Parity with Great Expectations 1.x: its spark extra pins pyspark < 4.2, so it gets its own virtualenv.
VENV_GX ?= .venv-gx
STAMP_GX := $(VENV_GX)/.installed-gx
GX_REQUIREMENTS := tests/parity/requirements-gx.txt

$(STAMP_GX): $(GX_REQUIREMENTS)
	test -x $(VENV_GX)/bin/python || $(PYTHON) -m venv $(VENV_GX)
	$(VENV_GX)/bin/pip install --quiet --disable-pip-version-check -r $(GX_REQUIREMENTS)
	@touch $@

test-parity: check-java install-dev $(STAMP_GX) ## Compare data-quality results with Great Expectations 1.x, expectation by expectation
	$(PY) tests/parity/parity.py

.PHONY: test-parity

VENV_EVIDENTLY ?= .venv-evidently
STAMP_EVIDENTLY := $(VENV_EVIDENTLY)/.installed-evidently
EVIDENTLY_REQUIREMENTS := tests/parity/requirements-evidently.txt

$(STAMP_EVIDENTLY): $(EVIDENTLY_REQUIREMENTS)
	test -x $(VENV_EVIDENTLY)/bin/python || $(PYTHON) -m venv $(VENV_EVIDENTLY)
	$(VENV_EVIDENTLY)/bin/pip install --quiet --disable-pip-version-check -r $(EVIDENTLY_REQUIREMENTS)
	@touch $@

test-drift-parity: install-dev $(STAMP_EVIDENTLY) ## Compare drift verdicts with Evidently 0.7.x DataDriftPreset, column by column
	$(PY) tests/parity/drift_parity.py --evidently-python $(VENV_EVIDENTLY)/bin/python

.PHONY: test-drift-parity

build: install-dev ## Build the wheel into dist/
	rm -rf dist
	$(PY) -m build --wheel --outdir dist .

wheel-check: build ## Install the wheel in a clean venv without pyspark; import and --help must work
	scripts/check_wheel.sh

lock: ## Re-resolve the pinned versions (requirements/constraints.txt) from pyproject.toml
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet -e ".[local,dev]"
	.venv-lock/bin/pip freeze --exclude-editable | grep -v '^-e' > $(CONSTRAINTS)
	rm -rf .venv-lock

clean: ## Remove the virtualenv, build output, caches and the local home folder
	rm -rf $(VENV) .venv-gx .venv-evidently dist build .iris_mlops .pytest_cache .mypy_cache .ruff_cache src/*.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# ---- Databricks bundle (docs/databricks.md) -------------------------------------------------------------------
# TARGET=local runs a job's task graph through the local runner; dev|staging|prod call the Databricks CLI.
# DRY_RUN=1 prints the commands without running them. Credentials: the environment, or a .env file (.env.example).
DATABRICKS ?= databricks
DATABRICKS_INSTALL := curl -fsSL https://raw.githubusercontent.com/databricks/setup-cli/main/install.sh | sh
IRIS := $(VENV)/bin/iris-mlops
DRY_RUN ?=
.PHONY: install-databricks validate deploy test-auth run_workflow run_bronze run_silver run_gold training_job \
	run_data_quality run_feature_store run_pipeline_sequence run_automl run_eda_benchmark run_mlops_full \
	run_monitoring run_advanced_monitoring run_batch_inference run_stream_inference

# $(call sh,COMMAND): print COMMAND, then run it unless DRY_RUN is set.
sh = echo '+ $(1)'$(if $(DRY_RUN),, && $(1))
check_target = case '$(TARGET)' in local|dev|staging|prod) ;; \
	*) echo "TARGET must be local, dev, staging or prod, not '$(TARGET)'" >&2; exit 2;; esac
need_cli = $(if $(DRY_RUN),true,command -v $(DATABRICKS) >/dev/null 2>&1 || \
	{ echo "databricks CLI not found: install it with 'make install-databricks' ($(DATABRICKS_INSTALL))" >&2; exit 127; })
load_env = if [ -f .env ]; then set -a; . ./.env; set +a; fi
# $(call bundle,ARGS): `databricks bundle ARGS -t $(TARGET)`.
bundle = $(need_cli) && $(load_env) && $(call sh,$(DATABRICKS) bundle $(1) -t $(TARGET))
# $(call job,KEY): the bundle job KEY, locally through the runner or on the workspace.
job = $(check_target) && if [ '$(TARGET)' = local ]; then $(call sh,$(IRIS) workflow run $(1) --env local); \
	else $(call bundle,run $(1)); fi
# Local runs need the installed project (and Java for Spark); dry runs and remote targets do not.
local_deps = $(if $(DRY_RUN),,$(if $(filter local,$(TARGET)),check-java install spark-archive))

install-databricks: ## Install the Databricks CLI with Databricks' official installer
	@if [ -z "$(DRY_RUN)" ] && command -v $(DATABRICKS) >/dev/null 2>&1; then $(DATABRICKS) --version; \
	else $(call sh,$(DATABRICKS_INSTALL)); fi

validate: $(if $(DRY_RUN),,build) ## Check the bundle against a freshly built wheel: offline (schema + cross-references) for TARGET, then the CLI for dev|staging|prod
	@$(check_target) && if [ '$(TARGET)' = local ]; then $(call sh,$(IRIS) workflow validate); \
	else $(call sh,$(IRIS) workflow validate --target $(TARGET)) && $(call bundle,validate); fi

deploy: ## Build the wheel and deploy the bundle to TARGET=dev|staging|prod
	@$(check_target) && if [ '$(TARGET)' = local ]; then \
	echo "TARGET=local has nothing to deploy: the local runner reads resources/ directly (use TARGET=dev|staging|prod)" >&2; \
	exit 2; else $(call bundle,deploy); fi

test-auth: $(if $(DRY_RUN),,install) ## Show who the workspace credentials authenticate as
	@$(call sh,$(IRIS) workspace auth-check)

run_workflow: $(local_deps) ## Run the iris_workflow job (bronze -> silver -> gold -> quality/features -> train)
	@$(call job,iris_workflow)

run_bronze: $(local_deps) ## Run the bronze job
	@$(call job,bronze)

run_silver: $(local_deps) ## Run the silver job
	@$(call job,silver)

run_gold: $(local_deps) ## Run the gold job
	@$(call job,gold)

run_data_quality: $(local_deps) ## Run the data_quality job
	@$(call job,data_quality)

run_feature_store: $(local_deps) ## Run the feature_store job
	@$(call job,feature_store)

training_job: $(local_deps) ## Run the training job
	@$(call job,training)

run_automl: $(local_deps) ## Run the automl job (six model families, winner through the promotion gate)
	@$(call job,automl)

run_eda_benchmark: $(local_deps) ## Run the eda_benchmark job (ten-model benchmark and the EDA report)
	@$(call job,eda_benchmark)

run_mlops_full: $(local_deps) ## Run the mlops_full job (the whole chain: layers, quality, features, train, automl, eda-benchmark)
	@$(call job,mlops_full)

run_monitoring: $(local_deps) ## Run the monitoring job (drift, performance, quality, volume, freshness of new batches)
	@$(call job,monitoring)

# BATCH=path ingests that file; without it a simulated batch (KIND=mean-shift COLUMN=sepal_width SEVERITY=1.0).
KIND ?= mean-shift
COLUMN ?= sepal_width
SEVERITY ?= 1.0
BATCH ?=
MONITOR_OUT ?= .iris_mlops/monitor-result.json
ADVANCED_BATCH = $(if $(BATCH),$(BATCH),.iris_mlops/simulated-$(KIND).csv)
run_advanced_monitoring: $(local_deps) ## Ingest a batch (BATCH=file, or a simulated KIND), run silver and the monitor, print the findings
	@$(if $(BATCH),true,$(call sh,$(IRIS) simulate --kind $(KIND) --column $(COLUMN) --severity $(SEVERITY) --out $(ADVANCED_BATCH)))
	@$(call sh,$(IRIS) bronze --source $(ADVANCED_BATCH)) && $(call sh,$(IRIS) silver) && \
	$(call sh,$(IRIS) monitor --json > $(MONITOR_OUT)) && $(call sh,$(PY) scripts/print_monitor_findings.py $(MONITOR_OUT))

run_batch_inference: $(local_deps) ## Run the batch_inference job (new silver batches scored by the champion)
	@$(call job,batch_inference)

run_stream_inference: $(local_deps) ## Run the stream_inference job (files in the landing folder, --available-now)
	@$(call job,stream_inference)

run_pipeline_sequence: $(local_deps) ## Run the one-task jobs one after another: bronze, silver, gold, feature_store, training
	@$(call job,bronze) && $(call job,silver) && $(call job,gold) && $(call job,feature_store) && $(call job,training)

# ---- Alerts (docs/alerts.md) ------------------------------------------------------------------------------------
.PHONY: setup-teams setup-slack
# $(call setup_alerts,CHANNEL): read the URL (prompt, or the channel's variable), check it, send a test message,
# then store it in .env (TARGET=local, mode 0600) or in the secret scope of TARGET=dev|staging|prod.
setup_alerts = $(check_target) && $(call sh,$(IRIS) alerts setup --channel $(1) --target $(TARGET))

setup-teams: $(if $(DRY_RUN),,install) ## Set up Teams alerts: test card, then .env (TARGET=local) or the target's secret scope
	@$(call setup_alerts,teams)

setup-slack: $(if $(DRY_RUN),,install) ## Set up Slack alerts the same way (SLACK_WEBHOOK_URL)
	@$(call setup_alerts,slack)
