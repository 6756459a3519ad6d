"""The nightly gate (one run per school, Asia/Taipei), the nightly national refresh and the weekday reminder schedule."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import dagster as dg

from pipelines.ops.jobs import SCHOOL_GATE_JOB
from pipelines.partitions import NATIONAL_JOB, SCHOOLS
from pipelines.ops.schedules import national_refresh_schedule, nightly_gate_schedule, reminders_schedule
from pipelines.resources import PortfolioResource
from tests.ops import schools_fixture

NIGHT = dt.datetime(2025, 7, 15, 2, 0, tzinfo=ZoneInfo("Asia/Taipei"))


def test_the_nightly_gate_runs_every_school_separately_at_two_in_taipei(tmp_path):
    schools_fixture.write_sources(tmp_path / "source")
    with dg.instance_for_test() as instance, dg.build_schedule_context(
        instance=instance, scheduled_execution_time=NIGHT,
        resources={"portfolio": PortfolioResource(warehouse=str(tmp_path / "w.duckdb"), source=str(tmp_path / "source"))},
    ) as context:
        requests = nightly_gate_schedule(context)
        partitions = sorted(instance.get_dynamic_partitions(SCHOOLS.name))

    assert (nightly_gate_schedule.cron_schedule, nightly_gate_schedule.execution_timezone) == ("0 2 * * *", "Asia/Taipei")
    assert nightly_gate_schedule.job_name == SCHOOL_GATE_JOB
    assert [request.partition_key for request in requests] == [schools_fixture.SCHOOL_A, schools_fixture.SCHOOL_B]
    assert {request.run_config["ops"]["gate_school"]["config"]["as_of"] for request in requests} == {"2025-07-15"}
    assert partitions == [schools_fixture.SCHOOL_A, schools_fixture.SCHOOL_B]


def test_no_school_folders_means_the_night_is_skipped(tmp_path):
    # Every context gets a test instance that is closed afterwards: one left open keeps Dagster's
    # process-wide state storage pointing at it, and later definition loads fail once it is collected.
    with dg.instance_for_test() as instance, dg.build_schedule_context(
        instance=instance, scheduled_execution_time=NIGHT,
        resources={"portfolio": PortfolioResource(warehouse=str(tmp_path / "w.duckdb"), source=str(tmp_path))},
    ) as context:
        assert isinstance(nightly_gate_schedule(context), dg.SkipReason)


def test_reminders_go_out_on_weekday_mornings_for_that_day():
    with dg.instance_for_test() as instance:
        request = reminders_schedule(
            dg.build_schedule_context(instance=instance, scheduled_execution_time=NIGHT.replace(hour=6, minute=30)))
    assert reminders_schedule.cron_schedule == "30 6 * * 1-5"
    assert request.run_config["ops"]["write_reminders"]["config"]["as_of"] == "2025-07-15"


def test_the_national_refresh_runs_once_a_night_after_the_gate_over_every_school():
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(SCHOOLS.name, [schools_fixture.SCHOOL_A, schools_fixture.SCHOOL_B])
        request = national_refresh_schedule(
            dg.build_schedule_context(instance=instance, scheduled_execution_time=NIGHT.replace(hour=3)))
    assert (request.tags["dagster/asset_partition_range_start"], request.tags["dagster/asset_partition_range_end"]) \
        == (schools_fixture.SCHOOL_A, schools_fixture.SCHOOL_B)
    assert national_refresh_schedule.job_name == NATIONAL_JOB
    assert national_refresh_schedule.execution_timezone == "Asia/Taipei"
    assert national_refresh_schedule.cron_schedule == "0 3 * * *"  # after the gate's 02:00
    assert request.run_key == "2025-07-15"
