"""The dbt project as Dagster sees it, and keeping its manifest current.

Dagster builds the dbt assets from target/manifest.json at import, so the manifest must exist and
match the models before the definitions load: `ensure_manifest()` runs `dbt parse` when it is missing
or older than any file of the project.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from pipelines.settings import DBT_PROJECT_DIR

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)

_PROJECT_INPUTS = ("dbt_project.yml", "profiles.yml", "models", "macros", "tests", "../seeds")


def _newest_input_mtime() -> float:
    newest = 0.0
    for entry in _PROJECT_INPUTS:
        path = (DBT_PROJECT_DIR / entry).resolve()
        files = [path] if path.is_file() else (path.rglob("*") if path.exists() else [])
        for file in files:
            newest = max(newest, file.stat().st_mtime)
    return newest


def dbt_executable() -> str:
    return str(Path(sys.executable).with_name("dbt"))


def ensure_manifest() -> Path:
    manifest = dbt_project.manifest_path
    if manifest.exists() and manifest.stat().st_mtime >= _newest_input_mtime():
        return manifest
    env = {**os.environ, "DO_NOT_TRACK": "1"}
    env.setdefault("PORTFOLIO_WAREHOUSE", str(DBT_PROJECT_DIR / "target" / "parse-only.duckdb"))
    completed = subprocess.run(
        [dbt_executable(), "parse", "--quiet", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)],
        env=env, capture_output=True, text=True,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"dbt parse failed:\n{completed.stdout}\n{completed.stderr}")
    return manifest
