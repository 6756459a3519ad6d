"""Shared fixtures: one generated, fully built sample warehouse per test session."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipelines.settings import Settings


@dataclass(frozen=True)
class BuiltSample:
    settings: Settings
    truth: Path  # the generator's _truth/ folder
    dagster_home: Path  # the instance the build was recorded in, its only run (tests/test_build.py reads it)

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
    from pipelines.dbt.project import ensure_manifest

    os.environ.pop("DAGSTER_HOME", None)
    # small warehouses: dbt's fixed cost per model and test dominates, four threads hide it (dbt_project/profiles.yml)
    os.environ.setdefault("PORTFOLIO_DBT_THREADS", "4")

    ensure_manifest()


SHM = Path("/dev/shm")
SAMPLE = {"schools": 3, "students_per_school": 70, "years": (112, 113), "seed": 11, "error_rate": 0.05}


@pytest.fixture(scope="session")
def built_sample(tmp_path_factory) -> Iterator[BuiltSample]:
    """Generated deliveries with injected errors (SAMPLE), ingested and built once for the session, the
    build recorded in a Dagster instance of its own (DAGSTER_HOME only for that build)."""
    from pipelines.build import run_build
    from pipelines.generate import generate

    root = tmp_path_factory.mktemp("sample")
    source = root / "source"
    generate(source, **SAMPLE)
    settings = Settings.resolve(warehouse=root / "warehouse.duckdb", source=source)
    with fast_folder(root / "instance") as instance:
        home, previous = instance / "dagster_home", os.environ.get("DAGSTER_HOME")
        os.environ["DAGSTER_HOME"] = str(home)
        try:
            assert run_build(settings), "the pipeline failed on the generated sample"
        finally:
            if previous is None:
                os.environ.pop("DAGSTER_HOME", None)
            else:
                os.environ["DAGSTER_HOME"] = previous
        yield BuiltSample(settings=settings, truth=source / "_truth", dagster_home=home)


@contextlib.contextmanager
def fast_folder(fallback: Path) -> Iterator[Path]:
    """A fresh folder in memory (/dev/shm) when the machine has one, else `fallback`; removed afterwards.

    For Dagster instances that tests read back: their SQLite storage opens, writes and commits once per
    event (a build writes thousands), several times slower on disk than in memory."""
    if not (SHM.is_dir() and os.access(SHM, os.W_OK)):
        fallback.mkdir(parents=True, exist_ok=True)
        yield fallback
        return
    folder = Path(tempfile.mkdtemp(prefix="pytest-", dir=SHM))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def dagster_home(tmp_path, monkeypatch) -> Iterator[Path]:
    """DAGSTER_HOME for a test that reads its runs back from the instance (the folder does not exist yet)."""
    with fast_folder(tmp_path / "instance") as folder:
        monkeypatch.setenv("DAGSTER_HOME", str(folder / "dagster_home"))
        yield folder / "dagster_home"


def pytest_collection_modifyitems(items):
    """Files with a whole-pipeline test (marker e2e) first, each file's tests kept together and in order: with
    `make test`'s workers (pytest-xdist, one file at a time per worker) the longest files start first instead
    of leaving one worker alone at the end."""
    heavy = {item.path for item in items if item.get_closest_marker("e2e")}
    items.sort(key=lambda item: item.path not in heavy)
