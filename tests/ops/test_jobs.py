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


def test_a_delivery_run_runs_its_schools_partition_of_school_build_in_the_same_instance(built_sample, tmp_path,
                                                                                         monkeypatch):
    import os
    import shutil

    import dagster as dg

    shutil.copytree(built_sample.source, tmp_path / "source")
    shutil.copyfile(built_sample.warehouse, tmp_path / "warehouse.duckdb")
    settings = Settings.resolve(warehouse=tmp_path / "warehouse.duckdb", source=tmp_path / "source")
    school = sorted(path.name for path in settings.source.iterdir() if path.name != "_truth")[0]
    for name in ("PORTFOLIO_WAREHOUSE", "PORTFOLIO_SOURCE"):  # the run points them at this warehouse: put back after
        monkeypatch.setenv(name, os.environ.get(name, ""))
    settings.export_to_environment()
    definitions = build_definitions(settings)
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(SCHOOLS.name, [school])
        delivery = definitions.resolve_job_def(SCHOOL_DELIVERY_JOB).execute_in_process(
            partition_key=school, instance=instance, raise_on_error=False)
        assert delivery.success
        build, _ = instance.get_runs()  # newest first: the partition run the delivery run started
        assert (build.job_name, build.tags.get("dagster/partition"), build.status) == \
            (SCHOOL_BUILD_JOB, school, dg.DagsterRunStatus.SUCCESS)
