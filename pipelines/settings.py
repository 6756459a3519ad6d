"""Where things live. The one place that reads the environment, and only when asked (never at import)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"

DEFAULT_WAREHOUSE = Path("data/warehouse.duckdb")
DEFAULT_SOURCE = Path("data/source")
DEFAULT_DUCKDB_MEMORY = "4GB"


@dataclass(frozen=True)
class Settings:
    warehouse: Path  # the DuckDB file the pipeline writes
    source: Path  # the delivery root: one folder per school
    duckdb_memory: str  # DuckDB's memory_limit: it spills to disk beyond this instead of dying

    @classmethod
    def resolve(cls, warehouse: str | Path | None = None, source: str | Path | None = None) -> Settings:
        """Command-line values win, then PORTFOLIO_* environment variables, then the defaults."""
        return cls(
            warehouse=Path(warehouse or os.environ.get("PORTFOLIO_WAREHOUSE") or DEFAULT_WAREHOUSE).absolute(),
            source=Path(source or os.environ.get("PORTFOLIO_SOURCE") or DEFAULT_SOURCE).absolute(),
            duckdb_memory=os.environ.get("PORTFOLIO_DUCKDB_MEMORY") or DEFAULT_DUCKDB_MEMORY,
        )

    def export_to_environment(self) -> None:
        """Make dbt (a subprocess reading env_var()) and Dagster resources see these settings."""
        os.environ["PORTFOLIO_WAREHOUSE"] = str(self.warehouse)
        os.environ["PORTFOLIO_SOURCE"] = str(self.source)
        os.environ["PORTFOLIO_DUCKDB_MEMORY"] = self.duckdb_memory
