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

.PHONY: help install demo test dagster clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/portfolio: pyproject.toml uv.lock
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --disable-pip-version-check uv
	$(UV) sync --frozen --python $(shell $(PYTHON) -c 'import sys; print(sys.executable)')
	@touch $@

install: $(BIN)/portfolio  ## create the locked virtual environment (.venv)

demo: install  ## generate sample data, build the warehouse, print a summary
	$(BIN)/portfolio demo

test: install  ## run every test
	$(BIN)/pytest

$(DAGSTER_HOME)/dagster.yaml:
	@mkdir -p $(DAGSTER_HOME)
	@printf 'telemetry:\n  enabled: false\n' > $@

# The UI materializes from $PORTFOLIO_SOURCE; without it, from the deliveries `make demo` generated.
dagster: install $(DAGSTER_HOME)/dagster.yaml  ## open the Dagster UI on http://127.0.0.1:3000
	PORTFOLIO_SOURCE=$${PORTFOLIO_SOURCE:-data/demo/source} $(BIN)/dagster dev -m pipelines.definitions -h 127.0.0.1 -p 3000

clean:  ## remove generated data, the warehouse and build output
	rm -rf data dbt_project/target dbt_project/logs .pytest_cache
