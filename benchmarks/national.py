"""`make bench`: the national benchmark. Every school at once, one school's re-check, the dashboards.

One process tree, one run, in this order:

1. the dataset: 500 schools × 1,200 students × two academic years, generated once under data/bench/source
   and reused while its parameters stay the same (generation is not timed as part of the pipeline);
2. the full pipeline, stage by stage, through the project's own Dagster definitions on a fresh
   warehouse: ingest, dbt build, gate for every school and year, export for every school, publish; each
   a run over every school's partition, recorded in a fresh instance configured as the project's
   (run/dagster_home), where the re-check's runs go too; wall time, delivered rows per second and the
   process tree's peak RSS per stage;
3. the floor (benchmarks/floor.py), in a process of its own: the same files read once by a hand-written
   DuckDB script that computes the same completion numbers and rule-violation counts; the ratio
   pipeline ÷ floor; and the check that both give the same numbers (so the pipeline cannot get faster
   by doing less);
4. incremental: one school delivers again with a few new uploads and certifications; the time until its
   warehouse rows, gate result and export are current (`portfolio build --school` and its export), in a
   fresh process with the pipeline's modules imported, as a running Dagster deployment has them (a
   `portfolio build --school` typed in a shell adds ~4 s of Python imports);
5. the dashboards: p50/p95 of each page's queries on the national published copy (dashboards/bench.py).

The targets (TARGETS): the build (ingest, dbt, gate, publish; the floor writes no workbooks, so the export is
reported beside it, not in the ratio) ≤ 1.5 × the floor; `portfolio gate --all` on the built warehouse ≤ 0.5 ×
the floor; peak RSS ≤ 6 GB; one school's re-check (`portfolio build --school`: ingest, dbt, gate, publish)
≤ 10 s; each dashboard page's p95 ≤ 300 ms; the whole benchmark, once the dataset is cached, ≤ 30 minutes.

The last line printed is machine-readable:
``build_vs_floor=<x> gate_all_vs_floor=<g> peak_rss_gb=<y> recheck_s=<z> dashboard_p95_ms=<w> bench_minutes=<m>
results_match_floor=<true|false>`` (one line).
A stage whose code is not there (yet) is reported as "not available" instead of failing the run.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from benchmarks.measure import Sampler, Stage, directory_bytes

GENERATION_FILE = "_truth/generation.json"
PIPELINE_STAGES = ("ingest", "dbt build", "gate", "export", "publish")
BUILD_STAGES = ("ingest", "dbt build", "gate", "publish")  # what `portfolio build` does; the floor writes no workbooks
GATE_ALL = "gate --all"
RECHECK_STEP = "build (ingest, dbt, gate, publish)"
TARGETS = {"build_vs_floor": 1.5, "gate_all_vs_floor": 0.5, "peak_rss_gb": 6.0, "recheck_s": 10.0,
           "dashboard_p95_ms": 300.0, "bench_minutes": 30.0}
_QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


@dataclass(frozen=True)
class BenchConfig:
    root: Path = Path("data/bench")
    schools: int = 500
    students: int = 1200
    years: tuple[int, int] = (112, 113)
    seed: int = 6
    error_rate: float = 0.02
    memory: str = "4GB"  # DuckDB's memory_limit for the pipeline and the floor: spill beyond it, never die
    dashboard_repeats: int = 20
    new_uploads: int = 5  # the incremental delivery: this many new outcomes, each submitted and certified
    incremental_runs: int = 3  # re-deliveries timed; the median counts (the first pays cold caches)
    workers: int = 2

    @property
    def source(self) -> Path:
        return self.root / "source"

    @property
    def run_dir(self) -> Path:
        return self.root / "run"


@dataclass
class BenchResult:
    config: dict
    dataset: dict
    machine: dict
    stages: list[Stage]
    floor: Stage | None = None
    floor_details: dict = field(default_factory=dict)
    comparison: dict = field(default_factory=dict)
    incremental: Stage | None = None
    gate_all: Stage | None = None
    dashboard: dict[str, dict[str, float]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    bench_seconds: float | None = None  # the whole run once the dataset is there (generation is not counted)

    def pipeline_stages(self) -> list[Stage]:
        return [stage for stage in self.stages if stage.name in PIPELINE_STAGES]

    @property
    def build_seconds(self) -> float:
        return sum(stage.seconds for stage in self.pipeline_stages() if stage.status == "ok" and stage.name in BUILD_STAGES)

    def _vs_floor(self, seconds: float | None) -> float | None:
        if seconds is None or self.floor is None or self.floor.status != "ok" or not self.floor.seconds:
            return None
        return seconds / self.floor.seconds

    @property
    def build_vs_floor(self) -> float | None:
        return self._vs_floor(self.build_seconds)

    @property
    def gate_all_vs_floor(self) -> float | None:
        return self._vs_floor(self.gate_all.seconds if self.gate_all and self.gate_all.status == "ok" else None)

    @property
    def peak_rss_gb(self) -> float:
        stages = [*self.pipeline_stages(), *(stage for stage in (self.gate_all, self.incremental) if stage)]
        return max((stage.peak_rss for stage in stages), default=0) / 1024**3

    @property
    def recheck_s(self) -> float | None:
        """The median `portfolio build --school` of the re-deliveries (the school's export is timed beside it)."""
        if not (self.incremental and self.incremental.status == "ok"):
            return None
        builds = [run["steps"][RECHECK_STEP] for run in self.incremental.details.get("runs", [])]
        return statistics.median(builds) if builds else None

    @property
    def bench_minutes(self) -> float | None:
        return None if self.bench_seconds is None else self.bench_seconds / 60

    def measured(self) -> dict[str, float | None]:
        return {"build_vs_floor": self.build_vs_floor, "gate_all_vs_floor": self.gate_all_vs_floor,
                "peak_rss_gb": self.peak_rss_gb, "recheck_s": self.recheck_s,
                "dashboard_p95_ms": self.dashboard_p95_ms, "bench_minutes": self.bench_minutes}

    @property
    def dashboard_p95_ms(self) -> float | None:
        return max((timing["p95_ms"] for page, timing in self.dashboard.items() if not page.startswith("_")), default=None)

    @property
    def results_match_floor(self) -> bool:
        return bool(self.comparison.get("match"))

    def last_line(self) -> str:
        def number(value: float | None, digits: int) -> str:
            return "nan" if value is None else f"{value:.{digits}f}"

        digits = {"build_vs_floor": 2, "gate_all_vs_floor": 2, "peak_rss_gb": 2, "recheck_s": 1,
                  "dashboard_p95_ms": 1, "bench_minutes": 1}
        values = " ".join(f"{name}={number(value, digits[name])}" for name, value in self.measured().items())
        return f"{values} results_match_floor={'true' if self.results_match_floor else 'false'}"


# --- dataset ---------------------------------------------------------------------------------------

def ensure_dataset(config: BenchConfig, say) -> dict:
    """Generate the dataset unless the one under config.source has the same parameters; its summary."""
    wanted = {"schools": config.schools, "students_per_school": config.students, "years": list(config.years),
              "seed": config.seed, "error_rate": config.error_rate}
    marker = config.source / GENERATION_FILE
    generated = None
    if marker.is_file():
        found = json.loads(marker.read_text(encoding="utf-8"))
        if {key: found["parameters"].get(key) for key in wanted} == wanted:
            generated = found
    generation_seconds = None
    if generated is None:
        from pipelines.generate import generate

        say(f"產生資料集 {config.schools} 校 × {config.students} 生 → {config.source}（只做一次）")
        started = time.perf_counter()
        generate(config.source, schools=config.schools, students_per_school=config.students, years=config.years,
                 seed=config.seed, error_rate=config.error_rate, workers=config.workers,
                 progress=lambda line: say(f"  {line}"))
        generation_seconds = time.perf_counter() - started
        generated = json.loads(marker.read_text(encoding="utf-8"))
    files = [path for path in config.source.rglob("*") if path.is_file() and "_truth" not in path.parts]
    return {
        "source": str(config.source), "schools": len(generated["school_codes"]), "rows": generated["rows_written"],
        "files": len(files), "bytes": sum(path.stat().st_size for path in files), "as_of": generated["as_of"],
        "parameters": generated["parameters"], "generation_seconds": generation_seconds,
        "school_codes": generated["school_codes"],
    }


def machine() -> dict:
    memory = 0
    with open("/proc/meminfo", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                memory = int(line.split()[1]) * 1024
    model = ""
    with open("/proc/cpuinfo", encoding="ascii", errors="replace") as handle:
        for line in handle:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    import duckdb

    return {"cpus": os.cpu_count(), "cpu": model, "memory_gib": round(memory / 1024**3, 1),
            "python": platform.python_version(), "duckdb": duckdb.__version__, "system": platform.platform(),
            "load_average_at_start": os.getloadavg()[0]}


# --- the pipeline ----------------------------------------------------------------------------------

def _settings(config: BenchConfig, source: Path, warehouse: Path):
    from pipelines.settings import Settings

    settings = Settings.resolve(warehouse=warehouse, source=source)
    return type(settings)(**{**settings.__dict__, "duckdb_memory": config.memory})


def stage_jobs(settings, schools: list[str] | None = None):
    """The project's Dagster definitions with one job per benchmark stage (same assets, resources, executor).

    A stage selects its assets without their checks: the gate's blocking check guards the exports
    in production, here every stage runs and the partial export writes what may go.
    """
    import dagster as dg

    from pipelines.definitions import build_definitions

    base = build_definitions(settings, schools=list(schools or []))  # first: it writes the dbt manifest
    from pipelines.dbt.assets import dbt_models, dbt_seeds  # reads the manifest at import
    from pipelines.gate.assets import GATE_CHECKS, GATE_KEY
    from pipelines.ingest.assets import INGEST_ASSETS

    no_checks = dg.AssetSelection.checks(*GATE_CHECKS)
    selections = {
        "ingest": dg.AssetSelection.assets(*INGEST_ASSETS),
        "dbt build": dg.AssetSelection.assets(dbt_seeds, dbt_models),
        "gate": dg.AssetSelection.assets(GATE_KEY) - no_checks,
    }
    try:
        from pipelines.export.assets import EXPORTS_KEY

        selections["export"] = dg.AssetSelection.assets(EXPORTS_KEY) - no_checks
    except ImportError:
        pass
    try:
        from pipelines.publish.assets import PUBLISH_KEY

        selections["publish"] = dg.AssetSelection.assets(PUBLISH_KEY)
    except ImportError:
        pass
    jobs = [dg.define_asset_job(f"bench_{name.replace(' ', '_')}", selection=selection)
            for name, selection in selections.items()]
    definitions = dg.Definitions(assets=base.assets, asset_checks=base.asset_checks, jobs=jobs,
                                 resources=base.resources, executor=base.executor)
    return {name: definitions.resolve_job_def(f"bench_{name.replace(' ', '_')}") for name in selections}


def _op(key_path: list[str]) -> str:
    return "__".join(key_path)


def _home(config: BenchConfig) -> Path:
    """The benchmark's Dagster instance: every run of the stages and of the re-check is recorded there."""
    return config.run_dir / "dagster_home"


@contextlib.contextmanager
def _instance(home: Path):
    """The project's instance (pipelines/build.py `project_instance`: its SQLite storage, events written in
    batches) with `home` as DAGSTER_HOME: the stages' runs are recorded as a `portfolio build` records them,
    and the cost of that record is in their times. The benchmark's own (`_home`), not the project's: its
    runs stay out of the UI's history."""
    from pipelines.build import project_instance

    previous = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(home)
    try:
        with project_instance() as instance:
            yield instance
    finally:
        if previous is None:
            os.environ.pop("DAGSTER_HOME", None)
        else:
            os.environ["DAGSTER_HOME"] = previous


def _materialize(job, run_config: dict | None = None, *, home: Path, source: Path | None = None,
                 school: str | None = None) -> None:
    """A run of `job` in the benchmark's instance: over every school of `source`, or of `school`'s partition."""
    from pipelines.ingest.layout import discover_schools
    from pipelines.partitions import add_school_partitions, every_partition

    # dagster-dbt echoes dbt's log to stdout: keep stdout for the table
    with contextlib.redirect_stdout(sys.stderr), _instance(home) as instance:
        tags = {}
        if job.partitions_def is not None and school is not None:
            add_school_partitions(instance, [school])
            tags = {"dagster/partition": school}
        elif job.partitions_def is not None:  # a stage of the school-partitioned assets: one run over every school
            add_school_partitions(instance, discover_schools(source) if source else [])
            tags = every_partition(instance)
        result = job.execute_in_process(run_config={**_QUIET, **(run_config or {})}, instance=instance, tags=tags,
                                        raise_on_error=False)
    if not result.success:
        failures = [event.step_failure_data.error.message.strip() for event in result.all_events
                    if event.is_step_failure and event.step_failure_data]
        raise RuntimeError("; ".join(failures)[:500] or "the run failed")


def run_pipeline(config: BenchConfig, sampler: Sampler, settings, as_of: str, rows: int, say) -> None:
    settings.export_to_environment()
    jobs = stage_jobs(settings)
    configs = {
        "gate": {"ops": {_op(["gate", "rule_results"]): {"config": {"as_of": as_of}}}},
        # every generated school breaks some error rule: a partial export writes what may go
        "export": {"ops": {_op(["exports", "central_workbooks"]): {"config": {"allow_partial": True, "as_of": as_of}}}},
    }
    for name in PIPELINE_STAGES:
        with sampler.stage(name, rows) as stage:
            say(f"  管線：{name}")
            if name not in jobs:
                stage.status, stage.note = "not available", "no such asset in this checkout"
                continue
            _materialize(jobs[name], configs.get(name), source=settings.source, home=_home(config))
            if name == "export":
                exports = settings.warehouse.parent / "exports"
                stage.details = {"files": sum(1 for _ in exports.rglob("*.xlsx")), "bytes": directory_bytes(exports)}


# --- results: pipeline against floor -----------------------------------------------------------------

def pipeline_numbers(warehouse: Path) -> tuple[dict, dict]:
    """(completion, violations) as the warehouse has them, keyed like the floor's."""
    import duckdb

    from benchmarks.floor import COMPLETION_METRICS

    with duckdb.connect(str(warehouse), read_only=True) as con:
        completion = {
            (school, int(year), int(term)): dict(zip(COMPLETION_METRICS, map(int, values)))
            for school, year, term, *values in con.execute(
                f"select school_code, academic_year, term, {', '.join(COMPLETION_METRICS)} from marts.fct_school_completion"
            ).fetchall()
        }
        violations = {
            (school, int(year), rule): int(count)
            for school, year, rule, count in con.execute("""
                select school_code, academic_year, rule_id, violations from gate.rule_results
                where term is null
                qualify row_number() over (partition by school_code, academic_year, rule_id
                                           order by checked_at desc, run_id desc) = 1
            """).fetchall()
        }
    return completion, violations


def compare(pipeline: tuple[dict, dict], floor) -> dict:
    completion, violations = pipeline
    # the hand-written floor computes R01-R20; contract v2's rules (R21-R28) have no floor yet
    floor_rules = {rule for _, _, rule in floor.violations}
    violations = {key: count for key, count in violations.items() if key[2] in floor_rules}
    completion_diffs = [
        {"key": list(key), "pipeline": completion.get(key), "floor": floor.completion.get(key)}
        for key in sorted(set(completion) | set(floor.completion)) if completion.get(key) != floor.completion.get(key)
    ]
    violation_diffs = [
        {"key": list(key), "pipeline": violations.get(key), "floor": floor.violations.get(key)}
        for key in sorted(set(violations) | set(floor.violations)) if violations.get(key) != floor.violations.get(key)
    ]
    checked = bool(completion) and bool(violations)
    return {
        "match": checked and not completion_diffs and not violation_diffs,
        "school_terms": len(floor.completion), "school_years": len({key[:2] for key in floor.violations}),
        "violations_total": sum(floor.violations.values()),
        "completion_differences": completion_diffs[:20], "violation_differences": violation_diffs[:20],
        "completion_difference_count": len(completion_diffs), "violation_difference_count": len(violation_diffs),
    }


# --- incremental -----------------------------------------------------------------------------------

def _csv_school(source: Path, codes: list[str]) -> str:
    """The first school whose uploads and certification log are CSV files (the ones changed below)."""
    for code in codes:
        platform_dir = source / code / "platform"
        if (platform_dir / "課程學習成果.csv").is_file() and (platform_dir / "認證紀錄.csv").is_file():
            return code
    raise RuntimeError("no school delivers 課程學習成果 and 認證紀錄 as CSV")


def _append_rows(path: Path, key_header: str, pick, count: int, new_id) -> list[str]:
    """Append `count` copies of a row chosen by `pick`, each with a new key, in the file's own encoding."""
    import io

    import polars as pl

    from pipelines.ingest.decoding import decode_text

    data = path.read_bytes()
    text, encoding = decode_text(data, path.name)
    frame = pl.read_csv(io.BytesIO(text), infer_schema=False)
    header = next(name for name in frame.columns if name.strip(" \u3000") == key_header)
    template = pick(frame)
    ids = [new_id(i) for i in range(count)]
    extra = pl.concat([template.head(1).with_columns(pl.lit(new).alias(header)) for new in ids])
    terminator = "\r\n" if b"\r\n" in data[:4096] else "\n"
    body = extra.write_csv(None, include_header=False, line_terminator=terminator)
    if not data.endswith(b"\n"):
        body = terminator + body
    codec = {"utf-8-sig": "utf-8", "utf-8": "utf-8", "cp950": "cp950"}[encoding]
    path.write_bytes(data + body.encode(codec))
    return ids


def prepare_incremental(source: Path, target: Path, school: str, count: int, stamp: str) -> list[str]:
    """Copy the school's folder to `target` and add `count` new uploads, each submitted and certified."""
    import polars as pl

    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source / school, target / school)
    platform_dir = target / school / "platform"

    def certified_outcome(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.filter(pl.col(frame.columns[0]).is_not_null()).slice(frame.height // 2, 1)

    ids = _append_rows(platform_dir / "課程學習成果.csv", "成果編號", certified_outcome, count,
                       lambda i: f"CO-BENCH-{stamp}-{i + 1:02d}")
    action = lambda frame: next(name for name in frame.columns if name.strip(" \u3000") == "動作")  # noqa: E731
    for wanted in ("送審", "認證通過"):
        queue = iter(ids)
        _append_rows(platform_dir / "認證紀錄.csv", "成果編號",
                     lambda frame, wanted=wanted: frame.filter(pl.col(action(frame)).str.strip_chars(" \u3000") == wanted),
                     count, lambda _i, queue=queue: next(queue))
    return ids


def _warm_up() -> int:
    """Import what a school's re-check runs, as a long-running Dagster code server has it imported."""
    import dagster  # noqa: F401
    import great_expectations  # noqa: F401

    import pipelines.build  # noqa: F401
    import pipelines.definitions  # noqa: F401
    import pipelines.export.core  # noqa: F401

    return os.getpid()


def _recheck(settings, school: str, home: Path) -> dict:
    """`portfolio build --school` and the school's export, timed step by step (in the worker process), its
    run recorded in the benchmark's instance after the full build's."""
    from pipelines.build import run_build

    os.environ["DAGSTER_HOME"] = str(home.resolve())
    marks = {}
    mark = time.perf_counter()
    with contextlib.redirect_stdout(sys.stderr):
        built = run_build(settings, schools=[school])
    if not built:
        raise RuntimeError(f"portfolio build --school {school} failed")
    marks[RECHECK_STEP] = time.perf_counter() - mark
    mark = time.perf_counter()
    exported = _export_school(settings, school, home)
    marks["export"] = time.perf_counter() - mark
    return {"steps": marks, "export": exported}


@contextlib.contextmanager
def _worker():
    """One spawned process for a stage: its memory is its own and goes when it ends, so a stage is not
    measured on top of what earlier stages left in this process's heap (DuckDB's allocator keeps it)."""
    from pipelines.processes import spawned_pool

    with spawned_pool(1) as pool:
        yield pool


def run_incremental(config: BenchConfig, sampler: Sampler, settings, dataset: dict, say) -> dict:
    """The school re-delivers `incremental_runs` times, each delivery with other new uploads; the stage's
    time is the median re-check (each run is in `details["runs"]`, the first one too)."""
    import duckdb

    school = _csv_school(config.source, dataset["school_codes"])
    overlay = config.run_dir / "incremental_source"
    inc_settings = type(settings)(**{**settings.__dict__, "source": overlay.resolve()})
    say(f"  增量：{school} 新增 {config.new_uploads} 件上傳並認證，重建該校（{config.incremental_runs} 次）")
    runs, ids, started = [], [], None
    with _worker() as worker:
        pid = worker.submit(_warm_up).result()  # not timed: a deployment has its modules imported already
        with sampler.stage("incremental", dataset["rows"] // max(dataset["schools"], 1), root=pid) as stage:
            for run in range(config.incremental_runs):
                # each delivery is a full snapshot: the previous run's new uploads are gone from it
                ids = prepare_incremental(config.source, overlay, school, config.new_uploads,
                                          f"{dt.datetime.now():%H%M%S}-{run + 1}")
                started = dt.datetime.now().replace(microsecond=0)
                mark = time.perf_counter()
                steps = worker.submit(_recheck, inc_settings, school, _home(config)).result()
                runs.append({"seconds": time.perf_counter() - mark, **steps})
    stage.seconds = statistics.median(run["seconds"] for run in runs) if runs else stage.seconds
    stage.details = {"school": school, "new_outcomes": len(ids), "runs": runs,
                     "steps": runs[-1]["steps"] if runs else {}}
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        found = con.execute("select count(*), count(*) filter (where certification_state = '認證通過') "
                            "from marts.fct_course_outcomes where school_code = ? and outcome_id in "
                            f"({', '.join('?' * len(ids))})", [school, *ids]).fetchall()[0]
        gate_at = con.execute("select max(checked_at) from gate.runs where school_code = ?", [school]).fetchall()[0][0]
    stage.details.update({
        "rows_current": found[0] == len(ids) and found[1] == len(ids),
        "gate_current": gate_at is not None and started is not None and gate_at >= started,
    })
    if stage.status == "ok" and not (stage.details["rows_current"] and stage.details["gate_current"]):
        stage.status, stage.note = "failed", f"not current after the rebuild: {stage.details}"
    return stage.details


def _gate_all(warehouse: Path, as_of: str, reports: Path) -> int:
    """`portfolio gate --all` on the built warehouse (in the worker process): every school's latest year,
    reports written and results stored; its 500 status lines go to stderr."""
    from pipelines.gate.cli import gate_all

    with contextlib.redirect_stdout(sys.stderr):
        return gate_all(warehouse, as_of=dt.date.fromisoformat(as_of), reports=reports)


def run_gate_all(config: BenchConfig, sampler: Sampler, settings, as_of: str, rows: int, say) -> Stage:
    """The command a registrar or the bureau runs to re-check everyone, timed as a stage of its own (exit 1,
    some school fails, is what generated data gives; 2 is a usage error)."""
    say(f"  {GATE_ALL}")
    with _worker() as worker, sampler.stage(GATE_ALL, rows, root=worker.submit(os.getpid).result()) as stage:
        code = worker.submit(_gate_all, settings.warehouse, as_of, config.run_dir / "gate_all_reports").result()
        if code not in (0, 1):
            stage.status, stage.note = "failed", f"exit {code}"
    return stage


def _export_school(settings, school: str, home: Path) -> dict:
    settings.export_to_environment()
    jobs = stage_jobs(settings, schools=[school])
    if "export" not in jobs:
        return {"status": "not available"}
    _materialize(jobs["export"], {"ops": {_op(["exports", "central_workbooks"]): {"config": {"allow_partial": True}}}},
                 home=home, school=school)
    manifests = sorted((settings.warehouse.parent / "exports" / school).rglob("manifest.json"),
                       key=lambda path: path.stat().st_mtime)
    return {"status": "ok", "latest_manifest": str(manifests[-1]) if manifests else None}


# --- dashboards ------------------------------------------------------------------------------------

def time_dashboard(published: Path, as_of: dt.date, repeats: int) -> dict[str, dict[str, float]]:
    from dashboards.bench import choose_sample, page_calls

    sample = choose_sample(published)
    timings: dict[str, dict[str, float]] = {}
    for page, call in page_calls(published, sample, as_of).items():
        call()  # the first visit opens files and warms DuckDB's caches; the percentiles are for visits after it
        runs = []
        for _ in range(repeats):
            started = time.perf_counter()
            call()
            runs.append((time.perf_counter() - started) * 1000)
        runs.sort()
        timings[page] = {"p50_ms": statistics.median(runs), "p95_ms": runs[min(len(runs) - 1, round(0.95 * (len(runs) - 1)))],
                         "max_ms": runs[-1]}
    timings["_sample"] = {"school": sample.school, "year": sample.year, "term": sample.term}  # type: ignore[dict-item]
    return timings


# --- the run ---------------------------------------------------------------------------------------

def run_bench(config: BenchConfig, say=print) -> BenchResult:
    from benchmarks.floor import run_floor

    config.root.mkdir(parents=True, exist_ok=True)
    dataset = ensure_dataset(config, say)
    shutil.rmtree(config.run_dir, ignore_errors=True)
    config.run_dir.mkdir(parents=True)
    os.environ["PORTFOLIO_BACKUPS_KEEP"] = "1"  # national warehouses are GBs: keep one snapshot, not five
    settings = _settings(config, config.source.resolve(), (config.run_dir / "warehouse.duckdb").resolve())
    as_of = dataset["as_of"]
    result = BenchResult(config={**asdict(config), "root": str(config.root)}, dataset=dataset, machine=machine(),
                         stages=[])
    result.dataset.pop("school_codes", None)
    started = time.perf_counter()
    with Sampler() as sampler:
        say(f"基準測試：{dataset['schools']} 校，{dataset['rows']:,} 列，{dataset['files']:,} 個檔案，"
            f"{dataset['bytes'] / 1024**3:.1f} GB；基準日 {as_of}")
        run_pipeline(config, sampler, settings, as_of, dataset["rows"], say)
        result.stages = list(sampler.stages)
        if all(stage.status == "ok" for stage in result.pipeline_stages() if stage.name in ("dbt build", "gate")):
            result.gate_all = run_gate_all(config, sampler, settings, as_of, dataset["rows"], say)
        say("  下限：手寫 DuckDB SQL（同一批檔案）")
        with _worker() as worker, sampler.stage("floor", dataset["rows"], root=worker.submit(os.getpid).result()) as floor_stage:
            floor = worker.submit(run_floor, config.source, as_of=dt.date.fromisoformat(as_of),
                                  workdir=config.run_dir / "floor", memory_limit=config.memory,
                                  workers=config.workers).result()
            floor_stage.details = {"stages": floor.stage_seconds, "rows_read": floor.rows_read}
        shutil.rmtree(config.run_dir / "floor", ignore_errors=True)
        result.floor = floor_stage
        if floor_stage.status == "ok":
            try:
                result.comparison = compare(pipeline_numbers(settings.warehouse), floor)
            except Exception as error:  # a pipeline stage failed: nothing to compare with
                result.comparison = {"match": False, "error": f"{type(error).__name__}: {error}"}
        if all(stage.status == "ok" for stage in result.pipeline_stages() if stage.name in ("ingest", "dbt build", "gate")):
            dataset["school_codes"] = json.loads((config.source / GENERATION_FILE).read_text(encoding="utf-8"))["school_codes"]
            run_incremental(config, sampler, settings, dataset, say)
            dataset.pop("school_codes")
            result.incremental = sampler.stages[-1]
        published = settings.published
        if published.is_file():
            say("  儀表板查詢")
            try:
                result.dashboard = time_dashboard(published, dt.date.fromisoformat(as_of), config.dashboard_repeats)
            except ImportError as missing:
                result.notes.append(f"dashboards: not available ({missing})")
        else:
            result.notes.append("dashboards: no published copy to query")
    result.bench_seconds = time.perf_counter() - started
    return result


# --- the report ------------------------------------------------------------------------------------

def _gb(value: int) -> str:
    return f"{value / 1024**3:5.2f}"


def report(result: BenchResult) -> list[str]:
    data, box = result.dataset, result.machine
    lines = [
        f"全國基準測試 national benchmark: {data['schools']} schools × {data['parameters']['students_per_school']:,} students, "
        f"academic years {'–'.join(map(str, data['parameters']['years']))}, {data['rows']:,} delivered rows in "
        f"{data['files']:,} files ({data['bytes'] / 1024**3:.1f} GB)",
        f"machine: {box['cpus']} CPUs ({box['cpu']}), {box['memory_gib']} GiB, Python {box['python']}, DuckDB {box['duckdb']}, "
        f"memory_limit {result.config['memory']}, load average at start {box['load_average_at_start']:.1f}",
        "",
        f"{'stage':<34}{'wall s':>9}{'rows/s':>13}{'peak RSS GB':>13}  status",
    ]

    def row(label: str, stage: Stage | None) -> str:
        if stage is None:
            return f"{label:<34}{'':>9}{'':>13}{'':>13}  not run"
        if stage.status == "not available":
            return f"{label:<34}{'':>9}{'':>13}{'':>13}  not available ({stage.note})"
        rate = f"{stage.rows_per_second:,.0f}" if stage.rows_per_second else ""
        status = stage.status + (f" ({stage.note})" if stage.note else "")
        return f"{label:<34}{stage.seconds:9.1f}{rate:>13}{_gb(stage.peak_rss):>13}  {status}"

    for stage in result.pipeline_stages():
        lines.append(row(f"pipeline: {stage.name}", stage))
    build = [stage for stage in result.pipeline_stages() if stage.name in BUILD_STAGES]
    total = Stage("total", seconds=result.build_seconds, rows=data["rows"],
                  peak_rss=max((stage.peak_rss for stage in build), default=0))
    lines.append(row("build (all but export)", total))
    lines.append(row(GATE_ALL, result.gate_all))
    lines.append(row("floor (decode + load + SQL)", result.floor))
    if result.floor and result.floor.details:
        parts = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in result.floor.details["stages"].items())
        lines.append(f"{'':<4}floor stages: {parts}")
    for label, ratio in (("build ÷ floor", result.build_vs_floor), (f"{GATE_ALL} ÷ floor", result.gate_all_vs_floor)):
        lines.append(f"{label:<34}{(f'{ratio:9.2f}' if ratio else '      n/a')}")
    if result.incremental:
        detail = result.incremental.details
        lines.append(row(f"re-check: {detail.get('school', '?')} +{detail.get('new_outcomes', 0)} uploads",
                         result.incremental))
        runs = detail.get("runs", [])
        if len(runs) > 1:
            lines.append(f"{'':<4}{'each run, s (build + export)':<30}" + "  ".join(f"{run['seconds']:.1f}" for run in runs))
            lines.append(f"{'':<4}{'each build, s (median counts)':<30}"
                         + "  ".join(f"{run['steps'][RECHECK_STEP]:.1f}" for run in runs))
        for step, seconds in detail.get("steps", {}).items():
            lines.append(f"{'':<4}{step + ' (last run)' if len(runs) > 1 else step:<30}{seconds:9.1f}")
    else:
        lines.append(row("incremental", None))
    lines.append("")
    if result.dashboard:
        lines.append(f"{'dashboard page':<34}{'p50 ms':>9}{'p95 ms':>13}{'max ms':>13}")
        for page, timing in result.dashboard.items():
            if page.startswith("_"):
                continue
            lines.append(f"{page:<34}{timing['p50_ms']:9.1f}{timing['p95_ms']:13.1f}{timing['max_ms']:13.1f}")
    for note in result.notes:
        lines.append(f"note: {note}")
    comparison = result.comparison
    if comparison.get("error"):
        lines.append(f"pipeline = floor: could not compare ({comparison['error']})")
    elif comparison:
        lines.append(
            f"pipeline = floor: {'yes' if comparison['match'] else 'NO'} — {comparison['school_terms']:,} school-terms × 11 "
            f"completion numbers, {comparison['school_years']:,} school-years × 20 rules "
            f"({comparison['violations_total']:,} violations); differences: completion "
            f"{comparison['completion_difference_count']}, violations {comparison['violation_difference_count']}")
        for difference in (comparison["completion_differences"] + comparison["violation_differences"])[:5]:
            lines.append(f"    {difference}")
    values = result.measured()
    if result.bench_seconds is not None:
        generated = data.get("generation_seconds")
        lines.append(f"benchmark wall time {result.bench_seconds / 60:.1f} min"
                     + (f" (the dataset's generation before it: {generated / 60:.1f} min, once)" if generated else
                        " (dataset cached)"))
    verdicts = []
    for name, limit in TARGETS.items():
        value = values[name]
        verdicts.append(f"{name} {'n/a' if value is None else f'{value:.2f}'} ≤ {limit:g}: "
                        + ("n/a" if value is None else "met" if value <= limit else f"MISSED by {value - limit:.2f}"))
    lines.append("targets: " + "; ".join(verdicts))
    lines.append(result.last_line())
    return lines


def _stage_dict(stage: Stage | None) -> dict | None:
    return None if stage is None else {**asdict(stage), "rows_per_second": stage.rows_per_second}


def save(result: BenchResult, path: Path) -> None:
    payload = {
        "finished_at": dt.datetime.now().isoformat(timespec="seconds"),
        "config": result.config, "dataset": result.dataset, "machine": result.machine,
        "stages": [_stage_dict(stage) for stage in result.stages], "floor": _stage_dict(result.floor),
        "comparison": result.comparison, "incremental": _stage_dict(result.incremental),
        "gate_all": _stage_dict(result.gate_all), "bench_seconds": result.bench_seconds,
        "dashboard": result.dashboard, "notes": result.notes, "last_line": result.last_line(),
    }
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")


def load(path: Path) -> BenchResult:
    """A BenchResult back from results.json (to print its report again)."""
    payload = json.loads(path.read_text(encoding="utf-8"))

    def stage(data: dict | None) -> Stage | None:
        if data is None:
            return None
        data = {key: value for key, value in data.items() if key != "rows_per_second"}
        return Stage(**data)

    return BenchResult(config=payload["config"], dataset=payload["dataset"], machine=payload["machine"],
                       stages=[stage(item) for item in payload["stages"]], floor=stage(payload["floor"]),
                       comparison=payload["comparison"], incremental=stage(payload["incremental"]),
                       gate_all=stage(payload.get("gate_all")), bench_seconds=payload.get("bench_seconds"),
                       dashboard=payload["dashboard"], notes=payload["notes"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.national", description=__doc__.split("\n\n")[0])
    defaults = BenchConfig()
    parser.add_argument("--root", type=Path, default=defaults.root, help="dataset and run folder (default data/bench)")
    parser.add_argument("--schools", type=int, default=defaults.schools)
    parser.add_argument("--students", type=int, default=defaults.students)
    parser.add_argument("--years", default=f"{defaults.years[0]}-{defaults.years[1]}")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--error-rate", type=float, default=defaults.error_rate)
    parser.add_argument("--memory", default=defaults.memory, help="DuckDB memory_limit (default 4GB)")
    parser.add_argument("--dashboard-repeats", type=int, default=defaults.dashboard_repeats)
    parser.add_argument("--report", type=Path, metavar="RESULTS_JSON",
                        help="print the report of an earlier run (its results.json) and stop")
    args = parser.parse_args(argv)
    if args.report:
        print("\n".join(report(load(args.report))))
        return 0
    first, last = (int(part) for part in args.years.split("-"))
    config = BenchConfig(root=args.root, schools=args.schools, students=args.students, years=(first, last),
                         seed=args.seed, error_rate=args.error_rate, memory=args.memory,
                         dashboard_repeats=args.dashboard_repeats)
    result = run_bench(config, say=lambda line: print(line, file=sys.stderr, flush=True))
    save(result, config.root / "results.json")
    print("\n".join(report(result)), flush=True)
    return 0 if result.results_match_floor else 1


if __name__ == "__main__":
    raise SystemExit(main())
