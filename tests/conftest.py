"""Shared fixtures: one generated, fully built sample warehouse per test session."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from pipelines.settings import Settings


@dataclass(frozen=True)
class BuiltSample:
    settings: Settings
    truth: Path  # the generator's _truth/ folder

    @property
    def source(self) -> Path:
        return self.settings.source

    @property
    def warehouse(self) -> Path:
        return self.settings.warehouse


def pytest_sessionstart(session):
    """Parse the dbt project first, as the CLI does: modules defining dbt assets read its manifest on import.

    `make test` exports the project's DAGSTER_HOME: test runs go to ephemeral instances instead, unless a
    test sets its own."""
    import os

    from pipelines.dbt.project import ensure_manifest

    os.environ.pop("DAGSTER_HOME", None)

    ensure_manifest()


SAMPLE = {"schools": 3, "students_per_school": 70, "years": (112, 113), "seed": 11, "error_rate": 0.05}


@pytest.fixture(scope="session")
def built_sample(tmp_path_factory) -> BuiltSample:
    """Generated deliveries with injected errors (SAMPLE), ingested and built once for the session."""
    from pipelines.build import run_build
    from pipelines.generate import generate

    root = tmp_path_factory.mktemp("sample")
    source = root / "source"
    generate(source, **SAMPLE)
    settings = Settings.resolve(warehouse=root / "warehouse.duckdb", source=source)
    assert run_build(settings), "the pipeline failed on the generated sample"
    return BuiltSample(settings=settings, truth=source / "_truth")
