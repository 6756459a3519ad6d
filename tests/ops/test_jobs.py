"""The operations jobs sit beside the build jobs; a school's build is a run of its partition."""

from __future__ import annotations

from pipelines.definitions import build_definitions
from pipelines.ops.jobs import REMINDERS_JOB, SCHOOL_DELIVERY_JOB, SCHOOL_GATE_JOB
from pipelines.partitions import SCHOOL_BUILD_JOB, SCHOOLS, WRITER_TAGS
from pipelines.settings import Settings


def test_per_school_jobs_are_partitioned_by_school_and_the_sensor_starts_a_delivery_run(tmp_path):
    definitions = build_definitions(Settings.resolve(warehouse=tmp_path / "w.duckdb", source=tmp_path))
    for name in (SCHOOL_BUILD_JOB, SCHOOL_DELIVERY_JOB, SCHOOL_GATE_JOB):
        job = definitions.resolve_job_def(name)
        assert job.partitions_def == SCHOOLS and job.tags.items() >= WRITER_TAGS.items()
    assert definitions.resolve_job_def(REMINDERS_JOB).partitions_def is None
    assert definitions.get_sensor_def("school_deliveries_sensor").job_name == SCHOOL_DELIVERY_JOB
    assert {schedule.name for schedule in definitions.schedules} >= {"nightly_gate_schedule", "reminders_schedule"}
