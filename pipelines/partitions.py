"""The school partitions and the names of the build jobs: what assets, jobs, sensors and the build share.

Dagster only, no project module: the assets (pipelines/*/assets.py), the resource, the definitions and
pipelines/runs.py all sit on it. What the jobs do: pipelines/runs.py.
"""

from __future__ import annotations

import os

import dagster as dg

# A run over many schools' partitions (a full build) gets one "materialization planned" event per asset, not
# one per asset and school: the 500 schools of the national benchmark made 46,000 such events, ~60 s of the
# build before any step ran (the dbt step's 69 assets alone: 42 s). Dagster's price: a failed run does not
# mark each of its partitions failed, which is true here anyway, since a full build works on a copy and a
# failed one changes nothing (pipelines/runs.py). Dagster reads it in the process that creates a run: the CLI
# and the benchmark import this module; the UI and the daemon (sensor, schedules) that `make dagster` starts
# get it from the Makefile.
PLANNED_EVENTS_VARIABLE = "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS"
os.environ.setdefault(PLANNED_EVENTS_VARIABLE, "true")
# The materializations of one asset over every school come to the storage as one batch, which the project's
# instance writes in one transaction (pipelines/event_storage.py); read where a run executes, set as above.
EVENT_BATCH_VARIABLE = "DAGSTER_EVENT_BATCH_SIZE"
os.environ.setdefault(EVENT_BATCH_VARIABLE, "1000")

SCHOOLS = dg.DynamicPartitionsDefinition(name="schools")
SCHOOL_TAG = "portfolio/school"
WRITER_TAGS = {"portfolio/warehouse": "writer"}  # dagster.yaml lets one such run go at a time

BUILD_JOB = "build_warehouse"
SCHOOL_BUILD_JOB = "school_build"
NATIONAL_JOB = "national_refresh"
BUILD_JOBS = (BUILD_JOB, SCHOOL_BUILD_JOB)  # where a failing gate is a warning, not a failure
_RANGE_START, _RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


def every_partition(instance: dg.DagsterInstance) -> dict[str, str]:
    """The tags of a run over every school's partition (none when there is no school yet)."""
    schools = instance.get_dynamic_partitions(SCHOOLS.name)  # in the order they were added
    return {_RANGE_START: schools[0], _RANGE_END: schools[-1]} if schools else {}


def run_partitions(run: dg.DagsterRun | None, instance: dg.DagsterInstance) -> list[str] | None:
    """The schools a run's partitions name; None for an unpartitioned run or one over every partition."""
    tags = run.tags if run is not None else {}
    if tags.get("dagster/partition"):
        return [tags["dagster/partition"]]
    if tags.get(_RANGE_START) is None:
        return None
    schools = instance.get_dynamic_partitions(SCHOOLS.name)
    try:
        first, last = schools.index(tags[_RANGE_START]), schools.index(tags[_RANGE_END])
    except ValueError:  # a school no longer there: read the range as every school
        return None
    chosen = schools[first:last + 1]
    return None if len(chosen) == len(schools) else chosen


def add_school_partitions(instance: dg.DagsterInstance, schools: list[str]) -> list[str]:
    """Add a partition for each school that has none yet; the schools added."""
    known = set(instance.get_dynamic_partitions(SCHOOLS.name))
    added = [school for school in dict.fromkeys(schools) if school not in known]
    if added:
        instance.add_dynamic_partitions(SCHOOLS.name, added)
    return added
