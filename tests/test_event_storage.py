import dagster as dg
import pytest
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

import pipelines.partitions  # noqa: F401  (the Dagster environment the project's runs have)
from pipelines.build import project_instance
from pipelines.event_storage import BatchedSqliteEventLogStorage

SCHOOLS = ["010001", "010002", "010003"]
PARTITIONS = dg.DynamicPartitionsDefinition(name="test_schools")


@dg.multi_asset(specs=[dg.AssetSpec("raw_table"), dg.AssetSpec("mart")], partitions_def=PARTITIONS)
def two_assets(context):
    yield dg.MaterializeResult(asset_key="raw_table", metadata={"rows": 3})
    yield dg.MaterializeResult(asset_key="mart", metadata={"rows": 2})


@pytest.fixture
def instance(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    with project_instance() as instance:
        yield instance


def _materialize_every_school(instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    instance.add_dynamic_partitions(PARTITIONS.name, SCHOOLS)
    job = dg.Definitions(assets=[two_assets], jobs=[dg.define_asset_job("both", selection=[two_assets])]) \
        .resolve_job_def("both")
    return job.execute_in_process(instance=instance, tags={
        "dagster/asset_partition_range_start": SCHOOLS[0], "dagster/asset_partition_range_end": SCHOOLS[-1]})


def test_the_project_instance_writes_a_run_over_many_schools_in_batches_and_records_every_school(instance, monkeypatch):
    assert isinstance(instance.event_log_storage, BatchedSqliteEventLogStorage)
    one_by_one = []
    store_event = SqliteEventLogStorage.store_event

    def counted(storage, event):
        if event.dagster_event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            one_by_one.append(event)
        store_event(storage, event)

    monkeypatch.setattr(SqliteEventLogStorage, "store_event", counted)

    result = _materialize_every_school(instance)

    assert result.success
    assert one_by_one == []  # every materialization came in its asset's batch
    for asset in ("raw_table", "mart"):
        key = dg.AssetKey(asset)
        assert instance.get_materialized_partitions(key) == set(SCHOOLS)
        # the run's own database and the index both hold one event per school, with its metadata
        in_run = [record for record in instance.all_logs(result.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
                  if record.dagster_event.asset_key == key]
        assert sorted(record.dagster_event.partition for record in in_run) == SCHOOLS
        indexed = instance.fetch_materializations(key, limit=10).records
        assert sorted(record.partition_key for record in indexed) == SCHOOLS
        assert {record.asset_materialization.metadata["rows"].value for record in indexed} == {3 if asset == "raw_table" else 2}
        latest = instance.get_latest_materialization_event(key)
        assert latest is not None and latest.run_id == result.run_id
        # the asset's record is the one Dagster leaves storing the events one by one: the last one stored's
        entry = instance.get_asset_records([key])[0].asset_entry
        last = max(indexed, key=lambda record: record.storage_id)
        assert entry.last_materialization_record.storage_id == last.storage_id
        assert entry.last_materialization_record.event_log_entry.timestamp == last.timestamp
        assert entry.last_run_id == result.run_id
