"""Per-school runs in Dagster: a school's delivery, gate one school; and the reminder run.

Runs are partitioned by school (a dynamic partition per school folder, added by the delivery sensor, the
nightly schedule and every build), so one school's run failing never blocks another's. A delivery run
(``school_delivery``, started by the sensor) holds the warehouse lock and the undo journal and runs the
school's partition of ``school_build`` (pipelines/runs.py), the same run ``portfolio build --school``
makes: the school's rows are rebuilt in place and put back if a step fails. A bad delivery fails its own
runs and leaves the warehouse as it was for every other school.

Every job here writes the warehouse, so all carry the tag ``portfolio/warehouse=writer``; dagster.yaml's
run queue lets one such run go at a time (``make dagster`` writes that limit), and the build's own file
lock serialises builds started from the command line too.
"""

import datetime as dt

import dagster as dg

from pipelines.ops.recovery import recover_before_use
from pipelines.resources import PortfolioResource
from pipelines.partitions import SCHOOLS, WRITER_TAGS
from pipelines.runs import JobsOf, build

SCHOOL_DELIVERY_JOB = "school_delivery"
SCHOOL_GATE_JOB = "school_gate"
REMINDERS_JOB = "daily_reminders"


@dg.op(description="Run this school's partition of school_build under the warehouse lock; its rows are put back "
                   "if the run fails (a full build instead when the warehouse needs one).")
def build_school(context: dg.OpExecutionContext, portfolio: PortfolioResource,
                 build_jobs: dg.ResourceParam[JobsOf]) -> dg.Output[str]:
    school = context.partition_key
    settings = portfolio.settings
    context.log.info(f"建置 {school}：{settings.source / school} → {settings.warehouse}")
    if not build(build_jobs, context.instance, settings, schools=[school], print_progress=True):
        raise dg.Failure(description=f"{school} 的建置失敗；倉儲維持原狀，其他學校不受影響。",
                         metadata={"school": school})
    return dg.Output(school, metadata={"school": school, "warehouse": str(settings.warehouse)})


class GateRunConfig(dg.Config):
    as_of: str | None = None  # ISO date; default the day of the run
    academic_year: int | None = None  # default the school's latest year on record


@dg.op(description="Run the pre-submission gate (R01–R28) for this school's latest year; store and report the result.")
def gate_school(context: dg.OpExecutionContext, config: GateRunConfig, portfolio: PortfolioResource) -> dg.Output[bool]:
    from pipelines.gate.core import available_years, run_gate
    from pipelines.gate.html import write_html
    from pipelines.gate.report import write_json
    from pipelines.gate.store import store_results_at

    school = context.partition_key
    settings = portfolio.settings
    recover_before_use(settings, context.log.info)
    as_of = dt.date.fromisoformat(config.as_of) if config.as_of else dt.date.today()
    years = available_years(settings.warehouse, school).get(school) or []
    year = config.academic_year or (years[-1] if years else None)
    if year is None or year not in years:
        context.log.warning(f"{school} 沒有可檢核的學年度（已有：{years}）")
        return dg.Output(False, metadata={"school": school, "checked": False})
    result = run_gate(settings.warehouse, school, year, None, as_of)
    folder = settings.gate_reports_dir / school / str(year)
    write_json(result, folder / "gate.json")
    write_html(result, folder / "gate.html")
    store_results_at(settings.warehouse, [result])
    context.log.info(f"{school} {year} 學年度 {'通過' if result.passed else '不通過'}  錯誤 {result.errors}  警告 {result.warnings}")
    return dg.Output(result.passed, metadata={
        "school": school, "academic_year": year, "as_of": as_of.isoformat(), "passed": result.passed,
        "errors": result.errors, "warnings": result.warnings, "report": dg.MetadataValue.path(str(folder / "gate.html")),
    })


class RemindersRunConfig(dg.Config):
    as_of: str | None = None  # ISO date; default the day of the run
    days: int = 7  # deadlines up to this many days ahead


@dg.op(description="Write the reminder lists (班級提醒 / 教師提醒 / 代理認證) for every school and store them for the dashboard.")
def write_reminders(context: dg.OpExecutionContext, config: RemindersRunConfig, portfolio: PortfolioResource) -> dg.Output[int]:
    import argparse

    from pipelines.ops.cli.remind import run

    settings = portfolio.settings
    recover_before_use(settings, context.log.info)
    code = run(argparse.Namespace(as_of=dt.date.fromisoformat(config.as_of) if config.as_of else None, days=config.days,
                                  out=None, school=list(portfolio.schools), no_store=False,
                                  warehouse=settings.warehouse, actor="dagster"))
    if code != 0:
        raise dg.Failure(description=f"portfolio remind 結束碼 {code}")
    return dg.Output(code, metadata={"reminders": dg.MetadataValue.path(str(settings.reminders_dir))})


@dg.job(name=SCHOOL_DELIVERY_JOB, partitions_def=SCHOOLS, tags=WRITER_TAGS,
        description="A school's new delivery → its partition run of school_build (started by the delivery sensor).")
def school_delivery_job():
    build_school()


@dg.job(name=SCHOOL_GATE_JOB, partitions_def=SCHOOLS, tags=WRITER_TAGS,
        description="One school's pre-submission gate (started by the nightly schedule).")
def school_gate_job():
    gate_school()


@dg.job(name=REMINDERS_JOB, tags=WRITER_TAGS, description="Reminder lists before deadlines, every school.")
def reminders_job():
    write_reminders()


OPS_JOBS = [school_delivery_job, school_gate_job, reminders_job]
