"""The national benchmark at a few schools: the harness works end to end and the pipeline agrees with the floor."""

from __future__ import annotations

import re
import statistics

import pytest

from benchmarks.national import PIPELINE_STAGES, BenchConfig, report, run_bench

pytestmark = pytest.mark.e2e

LAST_LINE = re.compile(
    r"^build_vs_floor=\d+\.\d\d gate_all_vs_floor=\d+\.\d\d peak_rss_gb=\d+\.\d\d recheck_s=\d+\.\d "
    r"dashboard_p95_ms=\d+\.\d bench_minutes=\d+\.\d results_match_floor=(true|false)$"
)


@pytest.fixture(scope="module")
def small_bench(tmp_path_factory):
    root = tmp_path_factory.mktemp("bench")
    # two re-deliveries, not the default three: the second replaces the first's overlay, a third adds no code path
    config = BenchConfig(root=root, schools=3, students=40, years=(112, 113), seed=5, error_rate=0.05,
                         memory="1GB", dashboard_repeats=2, new_uploads=3, incremental_runs=2)
    return config, run_bench(config, say=lambda line: None)


def test_every_stage_runs_or_says_it_is_not_available(small_bench):
    _, result = small_bench
    assert [stage.name for stage in result.pipeline_stages()] == list(PIPELINE_STAGES)
    for stage in [*result.pipeline_stages(), result.floor]:
        assert stage.status in ("ok", "not available"), (stage.name, stage.note)
        assert stage.seconds > 0 and stage.peak_rss > 0
    assert {"ingest", "dbt build", "gate"} <= {stage.name for stage in result.pipeline_stages() if stage.status == "ok"}
    assert result.gate_all is not None and result.gate_all.status == "ok", result.gate_all  # `gate --all` timed alone


def test_pipeline_and_floor_give_the_same_numbers(small_bench):
    _, result = small_bench
    comparison = result.comparison
    assert comparison["violations_total"] > 0, "the sample should break rules, or the comparison proves little"
    assert comparison["school_terms"] == 3 * 4 and comparison["school_years"] == 3 * 2
    assert comparison["completion_difference_count"] == 0, comparison["completion_differences"]
    assert comparison["violation_difference_count"] == 0, comparison["violation_differences"]
    assert result.results_match_floor


def test_the_incremental_school_is_current_after_its_rebuild(small_bench):
    _, result = small_bench
    assert result.incremental is not None and result.incremental.status == "ok", result.incremental
    assert result.incremental.details["rows_current"] and result.incremental.details["gate_current"]
    builds = [run["steps"]["build (ingest, dbt, gate, publish)"] for run in result.incremental.details["runs"]]
    assert result.recheck_s == statistics.median(builds)  # the re-check is the build; its export is timed beside it


def test_the_report_ends_with_the_machine_readable_line(small_bench):
    config, result = small_bench
    lines = report(result)
    assert LAST_LINE.match(lines[-1]), lines[-1]
    assert lines[-1].endswith("results_match_floor=true")
    assert any(line.startswith("pipeline: dbt build") for line in lines)
    assert (config.root / "source" / "_truth" / "generation.json").is_file()


def test_the_dataset_is_generated_once(small_bench):
    from benchmarks.national import ensure_dataset

    config, _ = small_bench
    said = []
    ensure_dataset(config, said.append)
    assert said == [], "a dataset with the same parameters is reused, not generated again"
