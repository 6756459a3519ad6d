"""``generate``: write synthetic school deliveries and the ground truth beside them."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from pipelines.contract import SCHOOL_CODE_PATTERN
from pipelines.generate.codes import school_codes as make_school_codes
from pipelines.generate.plan import as_of_date
from pipelines.generate.school import QUARANTINE_SCHEMA, SchoolJob, SchoolResult, generate_school
from pipelines.generate.transfer import TRANSFER_SCHEMA, Transfer, pair
from pipelines.generate.truth import COUNT_SCHEMA, VIOLATION_SCHEMA
from pipelines.processes import spawned_pool

TRUTH_DIR = "_truth"
GENERATOR_VERSION = 1


@dataclass
class GenerationSummary:
    out: Path
    school_codes: list[str]
    files_written: int
    rows_written: int
    seconds: float
    as_of: str = ""
    quarantined_rows: int = 0
    violations: int = 0
    truth_dir: Path | None = None
    violations_by_rule: dict[str, int] = field(default_factory=dict)


def generate(out: Path, schools: int, students_per_school: int, years: tuple[int, int] = (112, 113),
             seed: int = 0, error_rate: float = 0.0, progress: Callable[[str], None] | None = None,
             workers: int | None = None, clean_schools: int = 0) -> GenerationSummary:
    """Write ``schools`` school folders under ``out`` in the input contract's layout, and ``out/_truth``.

    ``clean_schools``: the last that many schools get no injected errors whatever ``error_rate`` says, so
    a sample can show schools that pass the gate beside schools that do not.

    Same arguments, same bytes. ``workers`` processes share the schools (default: one per CPU for
    four or more schools); the output does not depend on it.
    """
    started = time.perf_counter()
    say = progress or (lambda _line: None)
    if schools < 1 or students_per_school < 3:
        raise ValueError("need at least 1 school and 3 students per school")
    if not 0.0 <= error_rate <= 1.0:
        raise ValueError("error_rate must be between 0 and 1")
    if years[0] > years[1] or years[0] < 100:
        raise ValueError(f"bad academic years {years!r}")
    if seed < 0:
        raise ValueError("seed must be >= 0")
    if not 0 <= clean_schools <= schools:
        raise ValueError("clean_schools must be between 0 and the number of schools")
    out = Path(out)
    _clear_previous(out)
    out.mkdir(parents=True, exist_ok=True)

    codes = make_school_codes(schools)
    as_of = as_of_date(years)
    with_errors = schools - clean_schools
    undecodable_index = seed % with_errors if error_rate > 0 and with_errors else -1
    jobs = [
        SchoolJob(index=i, code=code, out=out, students=students_per_school, years=years, seed=seed,
                  error_rate=error_rate if i < with_errors else 0.0, as_of=as_of, undecodable=i == undecodable_index)
        for i, code in enumerate(codes)
    ]
    # the cross-school transfer: the receiving school is generated after the sending one, which names the leaver
    moving = pair(codes)
    receiving_job = None
    if moving is not None:
        sending, receiving = moving
        jobs = [replace(job, transfer=Transfer("out", receiving)) if job.code == sending else job for job in jobs]
        receiving_job = next(job for job in jobs if job.code == receiving)
        jobs = [job for job in jobs if job is not receiving_job]
    if workers is None:
        workers = min(os.cpu_count() or 1, schools) if schools >= 4 else 1
    say(f"{schools} 校 × {students_per_school} 生, {years[0]}–{years[1]} 學年度, "
        f"{workers} process{'es' if workers > 1 else ''}")

    results: list[SchoolResult] = []
    every = 1 if schools <= 40 else max(1, schools // 20)  # about 20 lines for a big run
    for done, result in enumerate(_chain(_run(jobs, workers), receiving_job), start=1):
        results.append(result)
        if every == 1:
            say(f"[{done}/{schools}] {result.code}: {result.files_written} files, {result.rows_written:,} rows "
                f"({result.seconds:.2f}s)")
        elif done % every == 0 or done == schools:
            rows_so_far = sum(r.rows_written for r in results)
            say(f"[{done}/{schools}] schools written, {rows_so_far:,} rows, {time.perf_counter() - started:.0f}s")

    say("writing _truth/")
    truth = out / TRUTH_DIR
    truth.mkdir(exist_ok=True)
    quarantine = pl.concat([r.quarantine for r in results]).sort("school_code", "source_file", "source_line", nulls_last=False)
    counts = pl.concat([r.counts for r in results]).sort("school_code", "academic_year", "term", "metric")
    violations = pl.concat([r.violations for r in results]).sort("school_code", "academic_year", "term", "rule_id", "key")
    _write_csv(quarantine, QUARANTINE_SCHEMA, truth / "quarantine.csv")
    _write_csv(counts, COUNT_SCHEMA, truth / "expected_counts.csv")
    _write_csv(violations, VIOLATION_SCHEMA, truth / "violations.csv")
    moved = [r.transfers for r in results if r.transfers is not None]
    _write_csv(pl.concat(moved) if moved else pl.DataFrame(schema=TRANSFER_SCHEMA), TRANSFER_SCHEMA,
               truth / "transfers.csv")
    by_rule = dict(sorted(violations.group_by("rule_id").len().iter_rows()))
    files = sum(r.files_written for r in results)
    rows = sum(r.rows_written for r in results)
    generation = {
        "generator": "pipelines.generate",
        "version": GENERATOR_VERSION,
        "parameters": {"schools": schools, "students_per_school": students_per_school, "years": list(years),
                       "seed": seed, "error_rate": error_rate, "clean_schools": clean_schools},
        "as_of": as_of.isoformat(),
        "as_of_rule": "31 August after the last academic year: after every selection deadline (8-18 August) "
                      "and after every generated event; R17 and the state of every outcome/selection are "
                      "taken at this date",
        "school_codes": codes,
        "schools": [r.plan_summary for r in results],
        "files_written": files,
        "rows_written": rows,
        "quarantined_rows": quarantine.height,
        "violations_by_rule": by_rule,
        "truth_files": {
            "quarantine.csv": "rows ingestion must quarantine: school_code, source_file (relative to the output "
                              "root), source_line (header = line 1; XLSX: sheet row), field (Chinese header; "
                              "empty for a whole undecodable file), reason (contract.QUARANTINE_REASONS key)",
            "expected_counts.csv": "school_code, academic_year, term (0 = whole year), metric, value; over rows "
                                   "that load",
            "violations.csv": "school_code, academic_year, term, rule_id, key; see pipelines/generate/truth.py "
                              "for the key and term of each rule",
            "transfers.csv": "the cross-school transfer (pipelines/generate/transfer.py): who moved, when, and one "
                             "row per item the exchange package carries, with its id at the receiving school, its "
                             "state (認證狀態, or 登錄來源 for a 多元表現), whether the student selected it there and "
                             "whether the receiving school's whole-year roster carries it once the package is imported",
        },
    }
    (truth / "generation.json").write_text(json.dumps(generation, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    seconds = time.perf_counter() - started
    return GenerationSummary(
        out=out, school_codes=codes, files_written=files + 5, rows_written=rows, seconds=seconds,
        as_of=as_of.isoformat(), quarantined_rows=quarantine.height, violations=violations.height,
        truth_dir=truth, violations_by_rule=by_rule,
    )


def _chain(results: Iterator[SchoolResult], receiving_job: SchoolJob | None) -> Iterator[SchoolResult]:
    """Every school's result, the receiving school of the transfer last, told who left the sending school."""
    leaver = None
    for result in results:
        leaver = result.leaver or leaver
        yield result
    if receiving_job is not None:
        if leaver is not None:
            receiving_job = replace(receiving_job, transfer=Transfer("in", leaver.sending_code, leaver))
        yield generate_school(receiving_job)


def _run(jobs: list[SchoolJob], workers: int) -> Iterator[SchoolResult]:
    if workers <= 1:
        for job in jobs:
            yield generate_school(job)
        return
    # one polars thread per worker process: the parallelism is across schools
    with _environment(POLARS_MAX_THREADS="1"), spawned_pool(workers) as pool:
        yield from pool.map(generate_school, jobs, chunksize=1)


@contextmanager
def _environment(**values: str) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _write_csv(frame: pl.DataFrame, schema: dict, path: Path) -> None:
    frame = frame.select(list(schema)) if frame.height else pl.DataFrame(schema=schema)
    frame.write_csv(path)


def _clear_previous(out: Path) -> None:
    """Remove what an earlier run wrote here (its school folders and _truth), nothing else."""
    previous = out / TRUTH_DIR / "generation.json"
    if not previous.is_file():
        return
    import re

    try:
        codes = json.loads(previous.read_text(encoding="utf-8")).get("school_codes", [])
    except (OSError, ValueError):
        codes = []
    for code in codes:
        folder = out / str(code)
        if re.fullmatch(SCHOOL_CODE_PATTERN, str(code)) and folder.is_dir():
            shutil.rmtree(folder)
    shutil.rmtree(out / TRUTH_DIR)
