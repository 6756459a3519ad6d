"""The exports in Dagster: downstream of the gate, outside the build job, and materializable."""

from __future__ import annotations

import dagster as dg

from pipelines.definitions import build_definitions
from pipelines.partitions import BUILD_JOB
from pipelines.export.assets import EXPORT_JOB, EXPORTS_KEY, RECONCILIATIONS_KEY, central_workbooks
from pipelines.gate.assets import GATE_KEY
from pipelines.resources import PortfolioResource


def test_exports_wait_for_the_gate_and_are_not_part_of_the_build(tmp_path):
    from pipelines.settings import Settings

    definitions = build_definitions(Settings.resolve(warehouse=tmp_path / "w.duckdb", source=tmp_path))
    graph = definitions.resolve_asset_graph()
    assert GATE_KEY in graph.get(EXPORTS_KEY).parent_keys
    assert EXPORTS_KEY in graph.get(RECONCILIATIONS_KEY).parent_keys
    assert not {EXPORTS_KEY, RECONCILIATIONS_KEY} & definitions.resolve_job_def(BUILD_JOB).asset_layer.selected_asset_keys
    assert {GATE_KEY, EXPORTS_KEY, RECONCILIATIONS_KEY} <= definitions.resolve_job_def(EXPORT_JOB).asset_layer.selected_asset_keys


def test_the_export_asset_writes_every_folder_of_the_school(workspace, school_year):
    school, year = school_year
    out = workspace.warehouse.parent / "exports"
    result = dg.materialize(
        [central_workbooks],
        resources={"portfolio": PortfolioResource.from_settings(workspace, schools=[school])},
        run_config={"ops": {"exports__central_workbooks": {"config": {"allow_partial": True}}}},
    )
    assert result.success
    assert sorted(path.name for path in (out / school).iterdir()) == [f"{year}_0", f"{year}_1", f"{year}_2"]
