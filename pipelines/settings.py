"""Where things live. The one place that reads the environment, and only when asked (never at import)."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"

DEFAULT_WAREHOUSE = Path("data/warehouse.duckdb")
DEFAULT_SOURCE = Path("data/source")
DEFAULT_DUCKDB_MEMORY = "4GB"
DEFAULT_BACKUPS_KEEP = 5
WORKING_COPY_MARK = ".building"  # <stem>.building.duckdb: the copy a full build works on (pipelines/ops/backup.py)


@dataclass(frozen=True)
class Settings:
    warehouse: Path  # the DuckDB file the pipeline writes
    source: Path  # the delivery root: one folder per school
    duckdb_memory: str  # DuckDB's memory_limit: it spills to disk beyond this instead of dying
    backups_keep: int = DEFAULT_BACKUPS_KEEP  # warehouse snapshots kept in backups_dir (PORTFOLIO_BACKUPS_KEEP)

    @classmethod
    def resolve(cls, warehouse: str | Path | None = None, source: str | Path | None = None) -> Settings:
        """Command-line values win, then PORTFOLIO_* environment variables, then the defaults."""
        return cls(
            warehouse=Path(warehouse or os.environ.get("PORTFOLIO_WAREHOUSE") or DEFAULT_WAREHOUSE).absolute(),
            source=Path(source or os.environ.get("PORTFOLIO_SOURCE") or DEFAULT_SOURCE).absolute(),
            duckdb_memory=os.environ.get("PORTFOLIO_DUCKDB_MEMORY") or DEFAULT_DUCKDB_MEMORY,
            backups_keep=_backups_keep(os.environ.get("PORTFOLIO_BACKUPS_KEEP")),
        )

    @property
    def backups_dir(self) -> Path:
        """Snapshots of the warehouse, beside it (data/backups/ by default)."""
        return self.warehouse.parent / "backups"

    # Generated files, beside the warehouse whatever the current directory: purge and backups find them
    # here, and only here (output_dirs).
    @property
    def is_working_copy(self) -> bool:
        """These settings point at a full build's working copy, not at the live warehouse."""
        return self.warehouse.stem.endswith(WORKING_COPY_MARK)

    @property
    def gate_reports_dir(self) -> Path:
        """gate.json / gate.html per school and year (portfolio gate, the build's gate step). A full build's
        reports wait in pending_gate_reports_dir until its copy goes live: a failed build's never do."""
        return self.pending_gate_reports_dir if self.is_working_copy else self.warehouse.parent / "reports" / "gate"

    @property
    def pending_gate_reports_dir(self) -> Path:
        return self.warehouse.parent / "reports" / ".gate.pending"

    @property
    def receipt_reports_dir(self) -> Path:
        """The per-class 收訖核對 lists of `portfolio reconcile`."""
        return self.warehouse.parent / "reports" / "receipts"

    @property
    def exports_dir(self) -> Path:
        """The central-database folders (名冊 workbooks, manifests, frozen submissions)."""
        return self.warehouse.parent / "exports"

    @property
    def reminders_dir(self) -> Path:
        """The reminder workbooks of `portfolio remind`."""
        return self.warehouse.parent / "reminders"

    @property
    def exchange_dir(self) -> Path:
        """The 歷程交換 packages of `portfolio exchange export`, one folder per sending school."""
        return self.warehouse.parent / "exchange"

    @property
    def output_dirs(self) -> tuple[Path, ...]:
        """Every folder of generated files that may name a student."""
        return (self.warehouse.parent / "reports", self.exports_dir, self.reminders_dir, self.exchange_dir)

    @property
    def audit_log(self) -> Path:
        """The append-only audit log. Outside the warehouse on purpose: a restore must not rewind it."""
        return audit_log_of(self.warehouse)

    @property
    def published(self) -> Path:
        """The read-only copy of the marts the dashboards read (pipelines/publish): published/ beside the warehouse."""
        return self.warehouse.parent / "published" / self.warehouse.name

    def export_to_environment(self) -> None:
        """Make dbt (a subprocess reading env_var()) and Dagster resources see these settings."""
        os.environ["PORTFOLIO_WAREHOUSE"] = str(self.warehouse)
        os.environ["PORTFOLIO_SOURCE"] = str(self.source)
        os.environ["PORTFOLIO_DUCKDB_MEMORY"] = self.duckdb_memory


def audit_log_of(warehouse: Path) -> Path:
    """The audit log of the warehouse (or of a full build's working copy beside it)."""
    return warehouse.parent / "audit" / "events.jsonl"


def _backups_keep(text: str | None) -> int:
    """PORTFOLIO_BACKUPS_KEEP: a whole number >= 1; anything else keeps the default (and says so)."""
    if not text:
        return DEFAULT_BACKUPS_KEEP
    if text.strip().isdigit() and int(text) >= 1:
        return int(text)
    logging.getLogger(__name__).warning("PORTFOLIO_BACKUPS_KEEP=%r 不是 1 以上的整數，改用預設值 %d", text, DEFAULT_BACKUPS_KEEP)
    return DEFAULT_BACKUPS_KEEP
