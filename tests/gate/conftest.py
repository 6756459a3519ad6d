from __future__ import annotations

from pathlib import Path

import pytest

from tests.gate import warehouse_fixture


@pytest.fixture(scope="session")
def gate_warehouse(tmp_path_factory) -> Path:
    """The hand-written raw rows of warehouse_fixture, built through dbt once per session."""
    return warehouse_fixture.build(tmp_path_factory.mktemp("gate") / "warehouse.duckdb")


@pytest.fixture(scope="session")
def gate_result(gate_warehouse):
    from pipelines.gate.core import run_gate

    return run_gate(gate_warehouse, warehouse_fixture.SCHOOL, warehouse_fixture.YEAR, None, warehouse_fixture.AS_OF)
