import dagster as dg

from pipelines.contract import FILES
from pipelines.definitions import BUILD_JOB, build_definitions
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
