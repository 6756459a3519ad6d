"""Fixtures for the dbt project's tests: a hand-written raw warehouse (raw_fixture.py), built once."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import duckdb
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"


def _load_raw_fixture() -> ModuleType:
    # tests run with --import-mode=importlib, so a sibling module is loaded by path, not imported
    spec = importlib.util.spec_from_file_location("dbt_raw_fixture", Path(__file__).with_name("raw_fixture.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RAW_FIXTURE = _load_raw_fixture()


def run_dbt(args: list[str], warehouse: Path, work_dir: Path) -> subprocess.CompletedProcess:
    """Run the dbt CLI of this venv on the project, with its own target and log folders so that runs
    by other people or processes on the same checkout never collide."""
    env = {**os.environ, "PORTFOLIO_WAREHOUSE": str(warehouse), "DO_NOT_TRACK": "1"}
    command = [
        str(Path(sys.executable).with_name("dbt")), *args,
        "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(work_dir / "target"), "--log-path", str(work_dir / "logs"),
    ]
    return subprocess.run(command, env=env, capture_output=True, text=True, cwd=DBT_PROJECT_DIR)


@dataclass(frozen=True)
class BuiltFixture:
    """A warehouse built from raw_fixture.py; `expected` and the school codes come from there."""

    warehouse: Path
    build: subprocess.CompletedProcess
    raw = RAW_FIXTURE

    def query(self, sql: str, parameters: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(sql, parameters or []).fetchall()


@pytest.fixture(scope="session")
def dbt_fixture_build(tmp_path_factory) -> BuiltFixture:
    """The raw fixture loaded into a fresh warehouse and `dbt build` run on it once per session."""
    work_dir = tmp_path_factory.mktemp("dbt_fixture")
    warehouse = RAW_FIXTURE.build_raw_warehouse(work_dir / "warehouse.duckdb")
    build = run_dbt(["build"], warehouse, work_dir)
    return BuiltFixture(warehouse=warehouse, build=build)


@pytest.fixture()
def built(dbt_fixture_build: BuiltFixture) -> BuiltFixture:
    """The built fixture; fails the test with dbt's own output if the build failed."""
    if dbt_fixture_build.build.returncode != 0:
        pytest.fail("dbt build failed on the raw fixture:\n" + dbt_fixture_build.build.stdout[-6000:])
    return dbt_fixture_build


@pytest.fixture()
def dbt_cli():
    """run_dbt, for tests that run other dbt commands."""
    return run_dbt
