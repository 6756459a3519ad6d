"""The guard of a build, part of the run itself: whatever starts a ``school_build`` or ``build_warehouse`` run
(the CLI's build(), the delivery sensor, the UI's launchpad, ``dagster job launch``, a backfill), it runs
under the warehouse lock, and a failed or killed run leaves the warehouse as it was:

- a school's build runs in place inside the undo journal (pipelines/ops/scoped.py), and is refused when
  the warehouse needs a full build;
- a full build runs on a copy that replaces the live file only when every step succeeded
  (pipelines/ops/backup.py ``on_copy``): the resource ``portfolio`` of the run points at the copy.

The resource ``portfolio`` enters the guard around the run; build() (pipelines/runs.py) holds it around its
runs instead (several schools share one journal; a full build's copy is made by build() itself), and those
runs do not take it again. Below both: it imports neither.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import dagster as dg

from pipelines.partitions import BUILD_JOB, SCHOOL_BUILD_JOB, SCHOOLS, run_partitions
from pipelines.settings import Settings

# Warehouses (a live file, or a full build's copy) whose guard build() in this process holds around its runs.
# Not a run tag: a run re-executed from the UI copies its parent's tags, and would go unguarded.
# A count, so that a guard held inside another for the same warehouse does not end the outer one.
_GUARDED: Counter[Path] = Counter()
_STEP_EVENTS = {dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE}


@contextlib.contextmanager
def guard_held(warehouse: Path) -> Iterator[None]:
    """build() holds the guard for `warehouse` around its runs: they do not take it again."""
    key = warehouse.resolve()
    _GUARDED[key] += 1
    try:
        yield
    finally:
        _GUARDED[key] -= 1
        if not _GUARDED[key]:
            del _GUARDED[key]


@contextlib.contextmanager
def build_guard(context: dg.InitResourceContext, settings: Settings) -> Iterator[Settings]:
    """Around a whole run (the resource ``portfolio`` enters it): the settings the run's steps work with.

    A ``school_build`` run that build() does not guard takes the warehouse lock, is refused when the
    warehouse needs a full build, and runs inside the undo journal, its schools' rows put back unless every
    step it started succeeded. A ``build_warehouse`` run that build() does not guard takes the lock and runs
    on a copy of the warehouse (the settings yielded), swapped in only if every step it started succeeded.
    Any other run, and a run build() guards: the settings as they are."""
    run = context.run
    if run is None or run.job_name not in (SCHOOL_BUILD_JOB, BUILD_JOB) or settings.warehouse.resolve() in _GUARDED:
        yield settings
        return
    instance = context.instance
    if run.job_name == BUILD_JOB:
        from pipelines.ops.backup import on_copy

        with on_copy(settings, announce=context.log.info) as attempt:
            yield attempt.settings
            attempt.succeeded = run_succeeded(instance, run.run_id)
        return
    from pipelines.ops import scoped

    schools = run_partitions(run, instance) or list(instance.get_dynamic_partitions(SCHOOLS.name))
    with scoped.guarded(settings, schools, lambda: run_succeeded(instance, run.run_id), announce=context.log.info):
        yield settings


def run_succeeded(instance: dg.DagsterInstance, run_id: str) -> bool:
    """Every step the run started succeeded, and one did: read from the run's events, since a failed (or
    interrupted) step does not raise into the resources that wrap the run."""
    started, succeeded, failed = set(), set(), False
    for entry in instance.all_logs(run_id, of_type=_STEP_EVENTS):
        event = entry.dagster_event  # set on every entry of these types
        failed |= event.event_type == dg.DagsterEventType.STEP_FAILURE
        (succeeded if event.event_type == dg.DagsterEventType.STEP_SUCCESS else started).add(event.step_key)
    return not failed and bool(succeeded) and started <= succeeded
