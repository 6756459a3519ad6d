"""Ingestion as Dagster assets: one asset per contract file, named like its dbt source (raw/<kind>),
partitioned by school (a school's partition ingests its folder only; an unpartitioned run, every folder)."""


import time
import unicodedata
from collections import Counter

import dagster as dg

from pipelines.contract import FILES, FileSpec
from pipelines.ingest.load import FileResult, ingest_file_kind, ingest_policies
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


def build_file_asset(spec: FileSpec) -> dg.AssetsDefinition:
    @dg.asset(
        key=["raw", spec.kind],
        group_name=INGEST_GROUP,
        partitions_def=SCHOOLS,
        kinds={"duckdb", "polars"},
        description=f"{spec.folder}/{spec.label}: every school's delivery, typed, with lineage; "
        f"rows that break the input contract go to raw.quarantine."
        + (" Event log: deliveries accumulate." if spec.history else " Snapshot: a newer delivery replaces the school's earlier one."),
    )
    def ingest_asset(context: dg.AssetExecutionContext, portfolio: PortfolioResource) -> dg.MaterializeResult:
        started = time.perf_counter()
        with portfolio.connect() as con:
            results = ingest_file_kind(con, portfolio.source_path, spec, schools=portfolio.run_schools(context))
        portfolio.progress(context)(_progress_line(spec.label, results, time.perf_counter() - started))
        for result in results:
            if result.status in ("rejected", "refused"):
                context.log.warning(f"{result.source_file}: {result.message}")
        return dg.MaterializeResult(metadata=_result_metadata(results))

    return ingest_asset


POLICY_TABLES = ("school_policies", "school_terms", "school_selection_deadlines", "school_diverse_entry_deadlines",
                 "school_submission_deadlines")


@dg.multi_asset(
    name="raw_school_policies",
    group_name=INGEST_GROUP,
    partitions_def=SCHOOLS,
    specs=[dg.AssetSpec(["raw", table], kinds={"duckdb"}, group_name=INGEST_GROUP,
                        description="policy.yaml per school, validated, defaults applied") for table in POLICY_TABLES],
)
def policy_assets(context: dg.AssetExecutionContext, portfolio: PortfolioResource):
    started = time.perf_counter()
    with portfolio.connect() as con:
        results = ingest_policies(con, portfolio.source_path, schools=portfolio.run_schools(context))
    invalid = [result for result in results if result.status == "rejected"]
    portfolio.progress(context)(
        f"  匯入 {_pad('policy.yaml', 12)} {len(results):>4} 校  設定錯誤 {len(invalid)} 校  {time.perf_counter() - started:6.1f}s"
    )
    for result in invalid:
        context.log.warning(f"{result.source_file}: {result.message}")
    for table in POLICY_TABLES:
        yield dg.MaterializeResult(asset_key=["raw", table], metadata={"schools": len(results), "invalid_policies": len(invalid)})


FILE_ASSETS = [build_file_asset(spec) for spec in FILES]
INGESTED_KEYS = [*(asset.key for asset in FILE_ASSETS), *policy_assets.keys]


@dg.multi_asset(
    name="raw_ingest_log",
    group_name=INGEST_GROUP,
    partitions_def=SCHOOLS,
    specs=[
        dg.AssetSpec(["raw", "quarantine"], group_name=INGEST_GROUP, kinds={"duckdb"}, deps=INGESTED_KEYS,
                     description="Every row (or whole file) that could not be loaded, with file, line, field and reason."),
        dg.AssetSpec(["raw", "deliveries"], group_name=INGEST_GROUP, kinds={"duckdb"}, deps=INGESTED_KEYS,
                     description="Every delivered file that was loaded, rejected or refused, with its checksum and "
                                 "row accounting, and every file or folder the contract does not know (unknown)."),
    ],
)
def ingest_log_assets(context: dg.AssetExecutionContext, portfolio: PortfolioResource):
    """Complete once every file asset has run: records what the contract does not know, summarises what
    the ingestion quarantined."""
    from pipelines.ingest.inventory import record_unrecognised
    from pipelines.ingest.parallel import shutdown

    shutdown()  # the parsing workers are done: give their memory back before dbt runs
    with portfolio.connect() as con:
        for item in record_unrecognised(con, portfolio.source_path, portfolio.run_schools(context)):
            portfolio.progress(context)(f"  {'拒讀' if item.status == 'refused' else '未讀取'} {item.message}")
        by_reason = dict(con.execute("select reason, count(*) from raw.quarantine group by 1 order by 1").fetchall())
        deliveries = con.execute("select count(*) from raw.deliveries").fetchall()[0][0]
    if by_reason:
        portfolio.progress(context)("  隔離合計 " + "、".join(f"{reason} {count:,}" for reason, count in by_reason.items()))
    yield dg.MaterializeResult(asset_key=["raw", "quarantine"],
                               metadata={"rows": sum(by_reason.values()), **{f"reason_{k}": v for k, v in by_reason.items()}})
    yield dg.MaterializeResult(asset_key=["raw", "deliveries"], metadata={"rows": deliveries})


INGEST_ASSETS = [*FILE_ASSETS, policy_assets, ingest_log_assets]
