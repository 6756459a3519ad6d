"""A one-school build's `dbt run`, in this process, on a manifest parsed once per process and project.

dagster-dbt runs dbt as a subprocess: Python starting, dbt importing itself (~1 s), loading the project
(~1 s with partial parsing) and writing its artefacts on the way out, about two seconds of a one-school
re-check whose models take two. Here dbt's own programmatic entry point (`dbtRunner`) runs the selected
models with a manifest kept from the first run of this process, as long as the dbt project's files do not
change (pipelines/ops/scoped.py ``project_digest``); a full build and the national refresh, with their
thousands of tests, still go through dagster-dbt. DuckDB's handle on the warehouse is closed after each
run, so the gate that follows can open it read-only.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pipelines.settings import DBT_PROJECT_DIR

log = logging.getLogger(__name__)

_LOCK = threading.Lock()  # dbt keeps its flags and adapters in globals: one invocation at a time
_PARSED: dict[tuple[str, str], object] = {}  # (project digest, warehouse) → dbt's parsed Manifest


class DbtRunFailed(RuntimeError):
    """dbt could not parse the project, or a model failed: the message names each failure."""


@dataclass(frozen=True)
class ModelRun:
    unique_id: str
    seconds: float


def _common(target_path: Path) -> list[str]:
    return ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
            "--target-path", str(target_path), "--log-path", str(target_path), "--quiet", "--log-level-file", "none"]


def _invoke(args: list[str], manifest=None):
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.cli.main import dbtRunner

    try:
        return dbtRunner(manifest=manifest).invoke(args)
    finally:
        DuckDBConnectionManager.close_all_connections()  # the warehouse file is ours again


def _manifest(warehouse: str, target_path: Path):
    """The project parsed for `warehouse` (the profile names its database after the file): once per process."""
    from pipelines.ops.scoped import project_digest

    key = (project_digest(), warehouse)
    if key not in _PARSED:
        result = _invoke(["parse", *_common(target_path)])
        if not result.success:
            raise DbtRunFailed(f"dbt 無法解析專案：{result.exception}")
        _PARSED.clear()
        _PARSED[key] = result.result
    return _PARSED[key]


def run_models(names: Iterable[str], warehouse: str, target_path: Path) -> list[ModelRun]:
    """`dbt run` of the models `names` on `warehouse` (the scope and profile come from the environment, as
    for the subprocess); each model built, in the order dbt finished them. Raises DbtRunFailed."""
    from dbt.contracts.results import RunStatus

    with _LOCK:
        manifest = _manifest(warehouse, target_path)
        # dbt lists the warehouse's relations first (populate cache): with a cache filled lazily, two threads
        # replacing views in one schema raced on it ("Cache inconsistency detected ... in rename": BENCHMARKS.md, run 12)
        result = _invoke(["run", "--threads", "2", "--no-write-json",
                          "--select", *sorted(names), *_common(target_path)], manifest)
    if result.exception is not None or result.result is None:
        raise DbtRunFailed(f"dbt run 失敗：{result.exception}")
    failed = [f"{item.node.name}: {item.message}" for item in result.result.results if item.status != RunStatus.Success]
    if failed or not result.success:
        raise DbtRunFailed("dbt run 失敗：\n" + "\n".join(failed))
    return [ModelRun(item.node.unique_id, item.execution_time) for item in result.result.results]
