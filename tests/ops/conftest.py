"""The ops tests' sample: two small schools (schools_fixture.py) ingested and built once per session."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipelines.settings import DBT_PROJECT_DIR, Settings
from tests.ops import schools_fixture

# What the ops code reads. Models only: the data tests run on the generated sample (tests/dbt, end to end).
DBT_SELECTION = ["+fct_national_term_counts", "+fct_school_deadlines", "+fct_course_outcomes",
                 "+fct_diverse_performances", "+dim_teachers", "+fct_roster_deadlines"]


def ingest(settings: Settings, schools: list[str] | None = None) -> None:
    from pipelines.contract import FILES
    from pipelines.ingest.load import ingest_file_kind, ingest_policies
    from pipelines.warehouse import connect

    with connect(settings.warehouse) as con:
        for spec in FILES:
            ingest_file_kind(con, settings.source, spec, schools=schools)
        ingest_policies(con, settings.source, schools=schools)


def run_dbt(warehouse: Path, scratch: Path, selection: list[str]) -> subprocess.CompletedProcess:
    from pipelines.dbt.project import dbt_executable
    from pipelines.dbt.assets import SCOPE_VARIABLE

    # every school's rows: a one-school build earlier in this process must not narrow this one
    env = {**os.environ, "PORTFOLIO_WAREHOUSE": str(warehouse), "DO_NOT_TRACK": "1", SCOPE_VARIABLE: ""}
    parsed = DBT_PROJECT_DIR / "target" / "partial_parse.msgpack"
    if parsed.is_file():  # dbt re-parses the whole project without it (several seconds)
        (scratch / "target").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(parsed, scratch / "target" / "partial_parse.msgpack")
    return subprocess.run(
        [dbt_executable(), "build", "--quiet", "--threads", "4", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
         "--target-path", str(scratch / "target"), "--log-path", str(scratch / "logs"),
         "--select", *selection, "--exclude-resource-type", "unit_test", "--indirect-selection", "empty"],
        env=env, capture_output=True, text=True,
    )


@dataclass(frozen=True)
class OpsSample:
    settings: Settings

    @property
    def warehouse(self) -> Path:
        return self.settings.warehouse

    def copy_to(self, folder: Path) -> Settings:
        """A private copy (warehouse and deliveries) to change."""
        shutil.copytree(self.settings.source, folder / "source")
        shutil.copyfile(self.warehouse, folder / "warehouse.duckdb")
        return Settings.resolve(warehouse=folder / "warehouse.duckdb", source=folder / "source")

    def query(self, sql: str, parameters: list | None = None) -> list[tuple]:
        import duckdb

        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(sql, parameters or []).fetchall()


@pytest.fixture(scope="session")
def ops_sample(tmp_path_factory) -> OpsSample:
    root = tmp_path_factory.mktemp("ops_sample")
    schools_fixture.write_sources(root / "source")
    settings = Settings.resolve(warehouse=root / "warehouse.duckdb", source=root / "source")
    ingest(settings)
    completed = run_dbt(settings.warehouse, root, DBT_SELECTION)
    if completed.returncode != 0:
        raise RuntimeError(f"dbt build failed on the ops sample:\n{completed.stdout[-6000:]}\n{completed.stderr[-2000:]}")
    return OpsSample(settings)


@pytest.fixture()
def ops_copy(ops_sample, tmp_path) -> Settings:
    """The built sample copied into tmp_path (settings point at the copy)."""
    return ops_sample.copy_to(tmp_path)


@pytest.fixture(autouse=True)
def _keep_portfolio_environment(monkeypatch):
    """Builds export their settings to PORTFOLIO_* variables; give them back after each test."""
    for name in ("PORTFOLIO_WAREHOUSE", "PORTFOLIO_SOURCE", "PORTFOLIO_DUCKDB_MEMORY", "PORTFOLIO_BACKUPS_KEEP"):
        if name in os.environ:
            monkeypatch.setenv(name, os.environ[name])
        else:
            monkeypatch.delenv(name, raising=False)
