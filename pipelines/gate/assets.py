"""The gate in Dagster: results stored in the warehouse, and a blocking check in front of the exports.

- Asset ``gate/rule_results``: runs every suite for every school and academic year on record (or only
  the run's schools), writes each school's gate.json and gate.html under <warehouse dir>/reports/gate/,
  and appends the results to the warehouse tables gate.runs, gate.rule_results and gate.rule_violations
  (pipelines/gate/store.py) for the dashboards.
- Blocking check ``gate_passes`` on it: fails (severity ERROR) when the latest gate run of any school
  and year has an error rule with violations, and names them. Any asset downstream of gate/rule_results
  (the exports) then does not run. One check for all schools, because the school list is only known at
  run time; an export that wants to go ahead for the schools that pass (a partial export) reads
  gate.runs through `latest_school_status` instead of depending on the check.

A failing blocking check fails its step (and so the run that includes it), except in the build job
and a school's build (pipelines/runs.py): every build evaluates the check, and there a failure is a warning, because
the warehouse is built whatever the gate says.
"""


import datetime as dt
from collections import Counter

import dagster as dg

from expectations.runner import FRAMES
from pipelines.export.layout import WORKBOOKS
from pipelines.gate.exported import CODE_LISTS, FRAMES as EXPORTED_FRAMES
from pipelines.dbt.assets import dbt_key
from pipelines.resources import PortfolioResource
from pipelines.partitions import BUILD_JOBS, SCHOOLS

GATE_GROUP = "gate"
GATE_KEY = dg.AssetKey(["gate", "rule_results"])
# The dbt models the gate reads: its narrow frames plus the school, class and teacher dimensions, and the
# export models (with the code-list seeds) R24/R25 read through pipelines/gate/exported.py.
GATE_MODELS = (*(frame for frame in FRAMES if frame not in EXPORTED_FRAMES), "dim_schools", "dim_classes", "dim_teachers",
               "fct_student_terms", *dict.fromkeys(workbook.model for workbook in WORKBOOKS),
               *dict.fromkeys(code_list.seed for code_list in CODE_LISTS))


class GateConfig(dg.Config):
    as_of: str | None = None  # ISO date R17/R18 count from; default: the day of the run
    academic_years: list[int] = []  # empty: every year on record


@dg.asset(
    key=GATE_KEY,
    group_name=GATE_GROUP,
    partitions_def=SCHOOLS,
    deps=[dbt_key(model) for model in GATE_MODELS],
    kinds={"duckdb", "great_expectations"},
    description="Pre-submission gate (rules R01–R28) per school and academic year, validated with Great "
    "Expectations; results in gate.runs / gate.rule_results / gate.rule_violations, reports under reports/gate/.",
)
def gate_results(context: dg.AssetExecutionContext, config: GateConfig, portfolio: PortfolioResource) -> dg.MaterializeResult:
    from pipelines.gate.core import available_years, run_gates
    from pipelines.gate.html import write_html
    from pipelines.gate.report import write_json
    from pipelines.gate.store import store_results_at

    as_of = dt.date.fromisoformat(config.as_of) if config.as_of else dt.date.today()
    settings = portfolio.settings
    # a school's build (in place): its reports wait, like a full build's, until the build stands
    reports = settings.pending_gate_reports_dir if context.has_partition_key else settings.gate_reports_dir
    wanted = set(portfolio.run_schools(context) or [])
    targets = [(school, year) for school, years in available_years(portfolio.warehouse_path).items()
               if not wanted or school in wanted
               for year in years if not config.academic_years or year in config.academic_years]
    # every school-year in one pass (pipelines/gate/batch.py): the same results as run_gate one by one
    results = run_gates(portfolio.warehouse_path, targets, None, as_of) if targets else []
    with portfolio.progress_lines(context) as say:
        for result in results:
            folder = reports / result.school / str(result.academic_year)
            write_json(result, folder / "gate.json")
            write_html(result, folder / "gate.html")
            status = "通過" if result.passed else f"不通過（{'、'.join(result.failed_rules)}）"
            say(f"  檢核 {result.school} {result.academic_year} 學年度  {status}  錯誤 {result.errors} 筆  警告 {result.warnings} 筆")
    store_results_at(portfolio.warehouse_path, results)
    if results:
        portfolio.progress(context)(f"  檢核報告 {reports}/<學校代碼>/<學年度>/gate.html（JSON 同目錄 gate.json）")
    totals = Counter()
    for result in results:
        for rule_result in result.results:
            totals[rule_result.id] += rule_result.violations
    failing = [f"{result.school}/{result.academic_year}" for result in results if not result.passed]
    return dg.MaterializeResult(metadata={
        "as_of": as_of.isoformat(),
        "school_years": len(results),
        "failing": ", ".join(failing) or "none",
        "reports": dg.MetadataValue.path(str(reports)),
        "violations_by_rule": dg.MetadataValue.md(
            "| rule | violations |\n|---|---|\n" + "\n".join(f"| {rule} | {count} |" for rule, count in sorted(totals.items()))
        ),
    })


@dg.asset_check(asset=GATE_KEY, name="gate_passes", blocking=True,
                description="Every school's latest gate run has no error-rule violations; exports wait for this.")
def gate_passes(context: dg.AssetCheckExecutionContext, portfolio: PortfolioResource) -> dg.AssetCheckResult:
    from pipelines.gate.store import latest_school_status

    with portfolio.connect(read_only=True) as con:
        status = latest_school_status(con)
    wanted = set(portfolio.run_schools(context) or [])
    if wanted:
        status = status[status["school_code"].isin(wanted)]
    failing = status[~status["passed"]]
    names = [f"{row.school_code}/{row.academic_year} ({', '.join(row.failed_rules)})" for row in failing.itertuples()]
    return dg.AssetCheckResult(
        passed=failing.empty,
        # a build records the verdict without failing (the warehouse stands whatever the gate says);
        # anywhere else, before the exports above all, a failed gate blocks what follows
        severity=dg.AssetCheckSeverity.WARN if context.run.job_name in BUILD_JOBS else dg.AssetCheckSeverity.ERROR,
        description="所有學校皆通過檢核" if failing.empty else "未通過檢核：" + "；".join(names),
        metadata={"school_years": len(status), "failing": len(failing), "failing_schools": ", ".join(names) or "none"},
    )


GATE_ASSETS = [gate_results]
GATE_CHECKS = [gate_passes]
