import dagster as dg

from pipelines.contract import FILES
from pipelines.definitions import build_definitions
from pipelines.partitions import BUILD_JOB, NATIONAL_JOB, SCHOOL_BUILD_JOB, SCHOOLS
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
    definitions = build_definitions(settings)
    for name in (BUILD_JOB, SCHOOL_BUILD_JOB):
        assert gate_checks <= definitions.resolve_job_def(name).asset_layer.asset_graph.asset_check_keys
    national = definitions.resolve_job_def(NATIONAL_JOB).asset_layer
    assert national.selected_asset_keys and all(key.path[-1].startswith("fct_national_") for key in national.selected_asset_keys)
    # the models' tests; the seeds' own tests run with the seeds, in full builds (seeds change only with the code)
    from pipelines.dbt.assets import dbt_seeds

    assert all(definitions.resolve_asset_graph().get(key).partitions_def is None for key in dbt_seeds.keys)
    dbt_checks = definitions.resolve_asset_graph().asset_check_keys - gate_checks - set(dbt_seeds.check_keys)
    assert dbt_checks and national.asset_graph.asset_check_keys == dbt_checks


def test_a_schools_build_runs_its_partition_of_the_per_school_assets_without_the_dbt_tests(tmp_path):
    from pipelines.dbt.assets import national_keys, unscoped_keys
    from pipelines.gate.assets import GATE_CHECKS, GATE_KEY
    from pipelines.publish.assets import PUBLISH_KEY

    definitions = build_definitions(Settings.resolve(warehouse=tmp_path / "w.duckdb", source=tmp_path))
    graph = definitions.resolve_asset_graph()
    school = definitions.resolve_job_def(SCHOOL_BUILD_JOB).asset_layer
    selected = school.selected_asset_keys
    assert {dg.AssetKey(["raw", spec.kind]) for spec in FILES} | {GATE_KEY, PUBLISH_KEY} <= selected
    assert all(graph.get(key).partitions_def == SCHOOLS for key in selected)
    assert not selected & {*unscoped_keys(), *national_keys()}
    assert school.asset_graph.asset_check_keys == {key for check in GATE_CHECKS for key in check.check_keys}
