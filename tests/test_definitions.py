import dagster as dg

from pipelines.contract import FILES
from pipelines.definitions import BUILD_JOB, NATIONAL_JOB, build_definitions
from pipelines.settings import Settings


def test_definitions_load_with_ingestion_feeding_dbt(tmp_path):
    definitions = build_definitions(Settings.resolve(warehouse=tmp_path / "w.duckdb", source=tmp_path))
    graph = definitions.resolve_asset_graph()
    keys = set(graph.get_all_asset_keys())

    for spec in FILES:
        assert dg.AssetKey(["raw", spec.kind]) in keys
    # dbt's staging of 學生資料 reads the ingestion asset of the same name: the lineage joins up.
    assert dg.AssetKey(["raw", "students"]) in graph.get(dg.AssetKey(["staging", "stg_admin__student_rows"])).parent_keys
    assert definitions.resolve_job_def(BUILD_JOB) is not None
    assert graph.asset_check_keys, "dbt tests should appear as asset checks"


def test_builds_evaluate_the_gate_check_and_the_national_refresh_runs_national_marts_and_every_dbt_test(tmp_path):
    from pipelines.gate.assets import GATE_CHECKS

    settings = Settings.resolve(warehouse=tmp_path / "w.duckdb", source=tmp_path)
    gate_checks = {key for check in GATE_CHECKS for key in check.check_keys}
    for scoped in (False, True):
        build = build_definitions(settings, scoped_dbt=scoped, schools=["013301"]).resolve_job_def(BUILD_JOB)
        assert gate_checks <= build.asset_layer.asset_graph.asset_check_keys
    definitions = build_definitions(settings)
    national = definitions.resolve_job_def(NATIONAL_JOB).asset_layer
    assert national.selected_asset_keys and all(key.path[-1].startswith("fct_national_") for key in national.selected_asset_keys)
    dbt_checks = definitions.resolve_asset_graph().asset_check_keys - gate_checks
    assert dbt_checks and national.asset_graph.asset_check_keys == dbt_checks
