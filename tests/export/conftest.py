"""Export fixtures on the session's built sample (tests/conftest.py): its warehouse is copied before
anything writes (submissions, audit log), and the gate runs once for the school under test."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipelines.settings import Settings

AS_OF = dt.date(2025, 8, 31)


def copy_warehouse(built_sample, root: Path) -> Settings:
    """A private copy of the sample warehouse; its source root is an empty folder for receipts."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy2(built_sample.warehouse, root / "warehouse.duckdb")
    (root / "source").mkdir(exist_ok=True)
    return Settings.resolve(warehouse=root / "warehouse.duckdb", source=root / "source")


@pytest.fixture(scope="session")
def passing_gate(school_year):
    """A gate result for the school with every rule holding: what a clean school's gate returns."""
    from expectations.rules import RULES
    from expectations.runner import RuleResult
    from pipelines.gate.core import GateResult

    school, year = school_year
    return GateResult(school=school, academic_year=year, term=None, as_of=AS_OF,
                      results=tuple(RuleResult(rule) for rule in RULES))


@pytest.fixture(scope="session")
def school_year(built_sample) -> tuple[str, int]:
    """The sample school whose code starts with 0 when there is one (leading zeros must survive), latest year."""
    from pipelines.gate.core import available_years

    years = available_years(built_sample.warehouse)
    school = next((code for code in sorted(years) if code.startswith("0")), sorted(years)[0])
    return school, years[school][-1]


@pytest.fixture(scope="session")
def sample_gate(built_sample, school_year):
    from pipelines.gate.core import run_gate

    return run_gate(built_sample.warehouse, *school_year, None, AS_OF)


@dataclass(frozen=True)
class Exported:
    settings: Settings
    out: Path
    school: str
    year: int
    outcomes: dict  # term → ExportOutcome

    def folder(self, term: int) -> Path:
        return self.out / self.school / f"{self.year}_{term}"


@pytest.fixture(scope="session")
def exported(tmp_path_factory, built_sample, school_year, sample_gate) -> Exported:
    """The school's three folders written as a partial export (the sample has injected errors)."""
    from pipelines.export.core import export_school

    settings = copy_warehouse(built_sample, tmp_path_factory.mktemp("exported"))
    out = settings.warehouse.parent / "out"
    school, year = school_year
    outcomes = {term: export_school(settings, out, school, year, term, allow_partial=True, gate_result=sample_gate)
                for term in (1, 2, 0)}
    return Exported(settings, out, school, year, outcomes)


@pytest.fixture
def workspace(tmp_path, built_sample) -> Settings:
    """A private, writable copy of the sample warehouse for one test."""
    return copy_warehouse(built_sample, tmp_path)


REFERENCE = (dt.date(2025, 6, 16), "改以學期中的 114/06/16 為基準日")  # as dashboards.clock.reference_day words it


@pytest.fixture(scope="session")
def confirmed_sample(built_sample, school_year, passing_gate, tmp_path_factory):
    """Term 1 of the sample school exported, then the demo's loop on REFERENCE's day: submit, receipt, the
    generator's replies, evaluation. (settings, the ConfirmationRun, the lines the demo printed)."""
    from pipelines.export.core import export_school
    from pipelines.export.receipts_demo import run_receipts_loop

    settings = copy_warehouse(built_sample, tmp_path_factory.mktemp("receipts_loop"))
    school, year = school_year
    outcome = export_school(settings, settings.exports_dir, school, year, 1, gate_result=passing_gate)
    lines: list[str] = []
    [run] = run_receipts_loop(settings, [outcome], lines.append, reference=REFERENCE)
    return settings, run, lines
