"""Ingestion as Dagster assets: one asset per contract file, named like its dbt source (raw/<kind>), the
policy tables and the ingestion's log, all made by one step, partitioned by school (a school's partition
ingests its folder only; a run over every partition, every folder)."""


import time
import unicodedata
from collections import Counter

import dagster as dg

from pipelines.contract import FILES, FileSpec
from pipelines.ingest.load import FileResult, ingest_file_kind, ingest_policies
from pipelines.ingest.policies import POLICY_TABLES
from pipelines.resources import PortfolioResource
from pipelines.partitions import SCHOOLS

INGEST_GROUP = "ingest"


def _result_metadata(results: list[FileResult]) -> dict[str, object]:
    statuses = Counter(result.status for result in results)
    return {
        "files_loaded": statuses.get("loaded", 0),
        "files_unchanged": statuses.get("unchanged", 0),
        "files_rejected": statuses.get("rejected", 0),
        "files_refused": statuses.get("refused", 0),  # the school's policy.yaml is invalid
        "schools_without_file": statuses.get("missing", 0),
        "rows_loaded": sum(result.rows_loaded for result in results),
        "rows_quarantined": sum(result.rows_quarantined for result in results),
    }


def _pad(text: str, width: int) -> str:
    """Left-align in a terminal, where a CJK character takes two columns."""
    shown = sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
    return text + " " * max(width - shown, 0)


def _progress_line(label: str, results: list[FileResult], seconds: float) -> str:
    meta = _result_metadata(results)
    return (
        f"  匯入 {_pad(label, 12)} {meta['files_loaded']:>4} 檔載入 {meta['files_unchanged']:>4} 檔未變"
        f" {meta['files_rejected']:>3} 檔拒收  {meta['rows_loaded']:>10,} 列  隔離 {meta['rows_quarantined']:>6,} 列"
        f"  {seconds:6.1f}s" + (f"  {meta['files_refused']} 檔因學校設定錯誤未載入" if meta["files_refused"] else "")
    )


def _file_spec(spec: FileSpec) -> dg.AssetSpec:
    return dg.AssetSpec(
        ["raw", spec.kind], group_name=INGEST_GROUP, kinds={"duckdb", "polars"},
        description=f"{spec.folder}/{spec.label}: every school's delivery, typed, with lineage; "
        f"rows that break the input contract go to raw.quarantine."
        + (" Event log: deliveries accumulate." if spec.history else " Snapshot: a newer delivery replaces the school's earlier one."),
    )


POLICY_KEYS = [dg.AssetKey(["raw", table]) for table in POLICY_TABLES]
FILE_KEYS = {dg.AssetKey(["raw", spec.kind]): spec for spec in FILES}
INGESTED_KEYS = [*FILE_KEYS, *POLICY_KEYS]
LOG_KEYS = (dg.AssetKey(["raw", "quarantine"]), dg.AssetKey(["raw", "deliveries"]))


@dg.multi_asset(
    name="raw_ingest",
    group_name=INGEST_GROUP,
    partitions_def=SCHOOLS,
    can_subset=True,
    specs=[
        *(_file_spec(spec) for spec in FILES),
        *(dg.AssetSpec(key, kinds={"duckdb"}, group_name=INGEST_GROUP,
                       description="policy.yaml per school, validated, defaults applied") for key in POLICY_KEYS),
        dg.AssetSpec(LOG_KEYS[0], group_name=INGEST_GROUP, kinds={"duckdb"}, deps=INGESTED_KEYS,
                     description="Every row (or whole file) that could not be loaded, with file, line, field and reason."),
        dg.AssetSpec(LOG_KEYS[1], group_name=INGEST_GROUP, kinds={"duckdb"}, deps=INGESTED_KEYS,
                     description="Every delivered file that was loaded, rejected or refused, with its checksum and "
                                 "row accounting, and every file or folder the contract does not know (unknown)."),
    ],
)
def ingest_assets(context: dg.AssetExecutionContext, portfolio: PortfolioResource):
    """Every contract file (one asset each, named like its dbt source raw/<kind>), the schools' policy.yaml,
    then what the contract does not know and the quarantine's summary: one step, one connection (a school's
    re-check pays Dagster's cost per step and DuckDB's per connection once, not sixteen times)."""
    from pipelines.ingest.inventory import record_unrecognised
    from pipelines.ingest.parallel import shutdown

    selected, schools, say = context.selected_asset_keys, portfolio.run_schools(context), portfolio.progress(context)
    with portfolio.connect() as con:
        for key, spec in FILE_KEYS.items():
            if key not in selected:
                continue
            started = time.perf_counter()
            results = ingest_file_kind(con, portfolio.source_path, spec, schools=schools)
            say(_progress_line(spec.label, results, time.perf_counter() - started))
            for result in results:
                if result.status in ("rejected", "refused"):
                    context.log.warning(f"{result.source_file}: {result.message}")
            yield dg.MaterializeResult(asset_key=key, metadata=_result_metadata(results))
        if selected & set(POLICY_KEYS):
            yield from _policies(context, con, portfolio, schools)
        if not selected & set(LOG_KEYS):
            return
        shutdown()  # the parsing workers are done: give their memory back before dbt runs
        for item in record_unrecognised(con, portfolio.source_path, schools):
            say(f"  {'拒讀' if item.status == 'refused' else '未讀取'} {item.message}")
        by_reason = dict(con.execute("select reason, count(*) from raw.quarantine group by 1 order by 1").fetchall())
        deliveries = con.execute("select count(*) from raw.deliveries").fetchall()[0][0]
    if by_reason:
        say("  隔離合計 " + "、".join(f"{reason} {count:,}" for reason, count in by_reason.items()))
    if LOG_KEYS[0] in selected:
        yield dg.MaterializeResult(asset_key=LOG_KEYS[0],
                                   metadata={"rows": sum(by_reason.values()), **{f"reason_{k}": v for k, v in by_reason.items()}})
    if LOG_KEYS[1] in selected:
        yield dg.MaterializeResult(asset_key=LOG_KEYS[1], metadata={"rows": deliveries})


def _policies(context: dg.AssetExecutionContext, con, portfolio: PortfolioResource, schools: list[str] | None):
    """policy.yaml per school: one ingestion for the five tables it fills."""
    started = time.perf_counter()
    results = ingest_policies(con, portfolio.source_path, schools=schools)
    invalid = [result for result in results if result.status == "rejected"]
    portfolio.progress(context)(
        f"  匯入 {_pad('policy.yaml', 12)} {len(results):>4} 校  設定錯誤 {len(invalid)} 校  {time.perf_counter() - started:6.1f}s"
    )
    for result in invalid:
        context.log.warning(f"{result.source_file}: {result.message}")
    for key in POLICY_KEYS:
        if key in context.selected_asset_keys:
            yield dg.MaterializeResult(asset_key=key, metadata={"schools": len(results), "invalid_policies": len(invalid)})


INGEST_ASSETS = [ingest_assets]
