"""Schedules: the nightly gate of every school, the nightly national refresh, and reminder lists on
weekday mornings (Asia/Taipei).

The nightly gate starts one run per school folder (its partition of ``school_gate``), so a school whose
gate cannot run fails alone; R17/R18 count from the night's date, so the backlog and proxy lists move on
even when nothing was delivered. The day's one-school builds (the delivery sensor) leave the national
marts and the dbt tests to the national refresh that follows the gate (job ``national_refresh``).
"""

import dagster as dg

from pipelines.ingest.layout import discover_schools
from pipelines.ops.jobs import reminders_job, school_gate_job
from pipelines.resources import PortfolioResource
from pipelines.partitions import NATIONAL_JOB, SCHOOL_TAG, add_school_partitions, every_partition

TIMEZONE = "Asia/Taipei"
NIGHTLY_GATE_CRON = "0 2 * * *"  # 02:00 every night
NATIONAL_REFRESH_CRON = "0 3 * * *"  # 03:00, after the day's one-school builds and the nightly gate
REMINDERS_CRON = "30 6 * * 1-5"  # 06:30 Monday to Friday, before the school day


@dg.schedule(job=school_gate_job, cron_schedule=NIGHTLY_GATE_CRON, execution_timezone=TIMEZONE,
             default_status=dg.DefaultScheduleStatus.RUNNING, description="Gate every school every night, one run per school.")
def nightly_gate_schedule(context: dg.ScheduleEvaluationContext, portfolio: PortfolioResource):
    schools = discover_schools(portfolio.source_path)
    if not schools:
        return dg.SkipReason(f"{portfolio.source_path} 下沒有學校資料夾")
    add_school_partitions(context.instance, schools)
    night = context.scheduled_execution_time.date().isoformat() if context.scheduled_execution_time else None
    return [
        dg.RunRequest(run_key=f"{school}:{night}", partition_key=school, tags={SCHOOL_TAG: school},
                      run_config={"ops": {"gate_school": {"config": {"as_of": night}}}})
        for school in schools
    ]


@dg.schedule(job_name=NATIONAL_JOB, cron_schedule=NATIONAL_REFRESH_CRON, execution_timezone=TIMEZONE,
             default_status=dg.DefaultScheduleStatus.RUNNING,
             description="National marts (fct_national_*) and every dbt test, after the day's one-school builds.")
def national_refresh_schedule(context: dg.ScheduleEvaluationContext):
    night = context.scheduled_execution_time.date().isoformat() if context.scheduled_execution_time else None
    return dg.RunRequest(run_key=night, tags=every_partition(context.instance))  # one run over every school


@dg.schedule(job=reminders_job, cron_schedule=REMINDERS_CRON, execution_timezone=TIMEZONE,
             default_status=dg.DefaultScheduleStatus.RUNNING, description="Reminder lists before deadlines, weekday mornings.")
def reminders_schedule(context: dg.ScheduleEvaluationContext):
    day = context.scheduled_execution_time.date().isoformat() if context.scheduled_execution_time else None
    return dg.RunRequest(run_key=day, run_config={"ops": {"write_reminders": {"config": {"as_of": day}}}})


OPS_SCHEDULES = [nightly_gate_schedule, national_refresh_schedule, reminders_schedule]
