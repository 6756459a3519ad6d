"""Generated sample deliveries shared by the generator tests (one clean, one with injected errors)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.generate import generate

CLEAN = {"schools": 4, "students_per_school": 60, "years": (112, 113), "seed": 5, "error_rate": 0.0}
DIRTY = {"schools": 5, "students_per_school": 90, "years": (112, 113), "seed": 9, "error_rate": 0.05}


@pytest.fixture(scope="session")
def clean_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("clean") / "source"
    generate(out, workers=1, **CLEAN)
    return out


@pytest.fixture(scope="session")
def dirty_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dirty") / "source"
    generate(out, workers=1, **DIRTY)
    return out
