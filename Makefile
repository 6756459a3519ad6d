# The contract between the parts: how everything is installed and run.
# `make demo` and `make test` work on a fresh machine (Python 3.11, no venv yet).

PYTHON  ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
UV      := $(PYTHON) -m uv
# The environment disables bytecode; without compiling it at install every start is ~2x slower.
export UV_COMPILE_BYTECODE := 1
export DO_NOT_TRACK := 1
export DAGSTER_HOME := $(CURDIR)/data/dagster_home
# one "planned" event per asset for a run over every school, not one per school (pipelines/partitions.py)
export DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS := true
# and each asset's materializations over every school written to the instance in one batch (pipelines/event_storage.py)
export DAGSTER_EVENT_BATCH_SIZE := 1000

.PHONY: help install demo test dagster clean dashboard browser-deps bench

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/portfolio: pyproject.toml uv.lock
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --disable-pip-version-check uv
	$(UV) sync --frozen --python $(shell $(PYTHON) -c 'import sys; print(sys.executable)')
	@touch $@

install: $(BIN)/portfolio  ## create the locked virtual environment (.venv)

demo: install $(DAGSTER_HOME)/dagster.yaml  ## generate sample data, build the warehouse (runs recorded in DAGSTER_HOME), print a summary
	$(BIN)/portfolio demo

# sqlfluff's dbt templater compiles the project against a throwaway DuckDB file and target folder, so a lint
# never shares a lock or dbt_project/target with a build; .sqlfluff says which rules it leaves to the house style.
test: install browser-deps  ## lint (ruff: errors only; sqlfluff: the dbt models) and run every test, a worker per core
	$(BIN)/ruff check .
	@scratch=$$(mktemp -d) && PORTFOLIO_WAREHOUSE=$$scratch/lint.duckdb DBT_TARGET_PATH=$$scratch/target \
	    $(BIN)/sqlfluff lint dbt_project/models; \
	status=$$?; rm -rf $$scratch; exit $$status
	$(BIN)/pytest -n auto --dist loadfile

# The browser test drives Debian's chromium; without fonts-noto-cjk Chinese renders as boxes. Installing
# needs root (CI runs as root); when both are present this is two quick checks.
browser-deps:  ## install chromium and CJK fonts for the browser test (Debian, as root; no-op when present)
	@if command -v chromium >/dev/null 2>&1 && dpkg -s fonts-noto-cjk >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium fonts-noto-cjk; \
	else echo "browser-deps: chromium/fonts-noto-cjk missing; run 'sudo make browser-deps' (the browser test is skipped)"; fi

dashboard: install  ## open the dashboards on http://127.0.0.1:8501 (PORT=… to change; accounts: portfolio users)
	$(BIN)/portfolio dashboard --port $${PORT:-8501}

# Every run (`make demo`, `portfolio build`, the UI, the sensor and schedules) is recorded in the instance
# under DAGSTER_HOME. Its dagster.yaml (telemetry off; runs that write the warehouse queue one at a time)
# is written by pipelines/build.py, which the CLI also calls when the file is missing.
$(DAGSTER_HOME)/dagster.yaml: Makefile pipelines/build.py | install
	$(BIN)/python -c 'from pathlib import Path; from pipelines.build import write_instance_config; write_instance_config(Path("$(DAGSTER_HOME)"), replace=True)'

# The UI materializes from $PORTFOLIO_SOURCE; without it, from the deliveries `make demo` generated.
dagster: install $(DAGSTER_HOME)/dagster.yaml  ## open the Dagster UI on http://127.0.0.1:3000
	PORTFOLIO_SOURCE=$${PORTFOLIO_SOURCE:-data/demo/source} $(BIN)/dagster dev -m pipelines.definitions -h 127.0.0.1 -p 3000

# The national benchmark (benchmarks/national.py, BENCHMARKS.md): 500 schools × 1,200 students × 2 years,
# generated once under data/bench/source (~7.4 GB) and reused; the run itself needs ~30 GB free and, with
# the dataset cached, ~25 minutes on 2 cores (BENCHMARKS.md).
# SCHOOLS=… STUDENTS=… for a smaller run (its own dataset under data/bench-<SCHOOLS>).
bench: install  ## national benchmark: pipeline vs hand-written floor, one school's re-check, dashboards
	$(BIN)/python -m benchmarks.national $(if $(SCHOOLS),--schools $(SCHOOLS) --root data/bench-$(SCHOOLS)) $(if $(STUDENTS),--students $(STUDENTS))

clean:  ## remove generated data, the warehouse and build output
	rm -rf data dbt_project/target dbt_project/logs .pytest_cache
