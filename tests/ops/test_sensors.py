"""The delivery sensor: a new file in a school's folder requests exactly that school's run."""

from __future__ import annotations

import dagster as dg
import pytest

from pipelines.ops.jobs import SCHOOL_DELIVERY_JOB
from pipelines.ops.sensors import school_deliveries_sensor
from pipelines.resources import PortfolioResource
from pipelines.partitions import SCHOOL_TAG, SCHOOLS
from pipelines.settings import Settings
from tests.ops import schools_fixture
from tests.ops.conftest import ingest

A, B = schools_fixture.SCHOOL_A, schools_fixture.SCHOOL_B


@pytest.fixture()
def deliveries(tmp_path) -> Settings:
    settings = Settings.resolve(warehouse=tmp_path / "warehouse.duckdb", source=tmp_path / "source")
    schools_fixture.write_sources(settings.source)
    ingest(settings)
    return settings


@pytest.fixture
def instance():
    # Closed after the test: an instance left open keeps Dagster's process-wide state storage pointing
    # at it, and later definitions loads in the same process fail once it is garbage-collected.
    with dg.instance_for_test() as test_instance:
        yield test_instance


def tick(settings: Settings, instance: dg.DagsterInstance, cursor: str | None) -> dg.SensorResult:
    portfolio = PortfolioResource(warehouse=str(settings.warehouse), source=str(settings.source))
    with dg.build_sensor_context(instance=instance, cursor=cursor, resources={"portfolio": portfolio}) as context:
        return school_deliveries_sensor(context)


def test_a_new_file_triggers_exactly_that_schools_run(deliveries, instance):
    first = tick(deliveries, instance, None)
    assert first.run_requests == []
    assert first.dynamic_partitions_requests == [SCHOOLS.build_add_request([A, B])]

    performances = deliveries.source / B / "platform" / "多元表現.csv"
    schools_fixture.write_csv(performances, "diverse_performances", schools_fixture.PERFORMANCES_A)
    second = tick(deliveries, instance, first.cursor)
    [request] = second.run_requests
    assert request.partition_key == B and request.tags[SCHOOL_TAG] == B
    assert request.run_key.startswith(f"{B}:")
    assert school_deliveries_sensor.job_name == SCHOOL_DELIVERY_JOB

    assert tick(deliveries, instance, second.cursor).run_requests == []  # the same delivery is requested once


def test_a_new_school_folder_gets_its_partition_and_its_run(deliveries, instance):
    instance.add_dynamic_partitions(SCHOOLS.name, [A, B])
    cursor = tick(deliveries, instance, None).cursor
    schools_fixture.write_csv(deliveries.source / "990003" / "admin" / "學生資料.csv", "students",
                              schools_fixture.STUDENTS_B)
    result = tick(deliveries, instance, cursor)
    assert [request.partition_key for request in result.run_requests] == ["990003"]
    assert result.dynamic_partitions_requests == [SCHOOLS.build_add_request(["990003"])]
