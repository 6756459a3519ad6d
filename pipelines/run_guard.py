"""The guard of a one-school build, part of the run itself: whatever starts a ``school_build`` run (the
CLI's build(), the delivery sensor, the UI's launchpad, ``dagster job launch``, a backfill), it runs under
the warehouse lock, is refused when the warehouse needs a full build, and inside the undo journal
(pipelines/ops/scoped.py). The resource ``portfolio`` enters it around the run; build() (pipelines/runs.py)
holds it around several schools' runs instead, so they share one journal. Below both: it imports neither.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import dagster as dg

from pipelines.partitions import SCHOOL_BUILD_JOB, SCHOOLS, run_partitions
from pipelines.settings import Settings

# Warehouses whose lock and undo journal build() in this process holds around its school_build runs. Not a
# run tag: a run re-executed from the UI copies its parent's tags, and would go unguarded.
_GUARDED: set[Path] = set()
_STEP_EVENTS = {dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE}


@contextlib.contextmanager
def guard_held(warehouse: Path) -> Iterator[None]:
    """build() holds the guard for `warehouse` around its runs: they do not take it again."""
    _GUARDED.add(warehouse.resolve())
    try:
        yield
    finally:
        _GUARDED.discard(warehouse.resolve())


@contextlib.contextmanager
def school_build_guard(context: dg.InitResourceContext, settings: Settings) -> Iterator[None]:
    """Around a whole run (the resource ``portfolio`` enters it): a ``school_build`` run that build() does
    not guard already takes the warehouse lock, is refused when the warehouse needs a full build, and
    runs inside the undo journal, its schools' rows put back unless every step it started succeeded."""
    from pipelines.ops import scoped

    run = context.run
    if run is None or run.job_name != SCHOOL_BUILD_JOB or settings.warehouse.resolve() in _GUARDED:
        yield
        return
    instance = context.instance
    schools = run_partitions(run, instance) or list(instance.get_dynamic_partitions(SCHOOLS.name))
    with scoped.guarded(settings, schools, lambda: run_succeeded(instance, run.run_id), announce=context.log.info):
        yield


def run_succeeded(instance: dg.DagsterInstance, run_id: str) -> bool:
    """Every step the run started succeeded, and one did: read from the run's events, since a failed (or
    interrupted) step does not raise into the resources that wrap the run."""
    started, succeeded, failed = set(), set(), False
    for entry in instance.all_logs(run_id, of_type=_STEP_EVENTS):
        event = entry.dagster_event
        if event is None:
            continue
        failed |= event.event_type == dg.DagsterEventType.STEP_FAILURE
        (succeeded if event.event_type == dg.DagsterEventType.STEP_SUCCESS else started).add(event.step_key)
    return not failed and bool(succeeded) and started <= succeeded
