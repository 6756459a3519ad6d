"""The project's Dagster instance storage: Dagster's own SQLite storage, with a step's asset events
written a batch at a time.

A full build is one run over every school's partition, and Dagster records each asset's materialization
once per partition: 21 raw tables and 67 dbt models × 500 schools, 44,000 events. Dagster's SQLite event
log writes each one on its own: a new engine, connection and transaction (with its fsync) in the run's
database, then the same again in the index database. That is about 9 ms an event on a 2-core machine,
about 6½ minutes of a national build spent on bookkeeping. Dagster hands a storage the events of one
step's output as a batch (`store_event_batch`, when ``DAGSTER_EVENT_BATCH_SIZE`` is set:
pipelines/partitions.py sets it) but its SQLite storage stores them one by one anyway. This one writes a
batch of asset events in one transaction per database: the same rows, in the same order, as Dagster's own
``store_event`` (SqliteEventLogStorage), each database's rows in one statement, and the asset's own record
(its latest materialization) once per asset and kind of event, as the last of the batch leaves it. 0.3 ms
an event (1.1 ms with a statement and an asset record per event).

The directories are Dagster's default layout under the instance's base_dir, so an instance that used the
default storage before keeps its history. dagster.yaml names this class (pipelines/build.py). It builds
on Dagster's internal storage classes (dagster._core, the version uv.lock pins): tests/test_event_storage.py
runs a range over schools on it and fails when an upgrade changes what it relies on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dagster._core.events import DagsterEventType
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.schema import SqlEventLogStorageTable
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage, _event_logs_directory

# Asset events that Dagster's SQLite store_event writes to the run's database and mirrors, with their tags
# and the asset's record, in the index database, and nothing else (no check, run-status or freshness
# bookkeeping): the batches Dagster sends are of these (events.BATCH_WRITABLE_EVENTS, but for planned checks).
_BATCHED_TYPES = frozenset({
    DagsterEventType.ASSET_MATERIALIZATION,
    DagsterEventType.ASSET_OBSERVATION,
    DagsterEventType.ASSET_MATERIALIZATION_PLANNED,
    DagsterEventType.ASSET_FAILED_TO_MATERIALIZE,
})


def _batchable(event: EventLogEntry) -> bool:
    return bool(event.is_dagster_event and event.dagster_event_type in _BATCHED_TYPES
                and event.get_dagster_event().asset_key)


class BatchedSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage whose ``store_event_batch`` writes a batch of asset events in one transaction
    in the run's database and one in the index database."""

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        if not all(_batchable(event) for event in events) or len({event.run_id for event in events}) != 1:
            super().store_event_batch(events)  # Dagster's own: one store_event each
            return
        rows = [self._event_to_row(event) for event in events]
        with self.run_connection(events[0].run_id) as conn:
            conn.execute(SqlEventLogStorageTable.insert(), rows)  # one statement, executed for every row
        with self.index_transaction() as conn:  # the mirror, as store_event writes it
            inserted = conn.execute(
                SqlEventLogStorageTable.insert().returning(SqlEventLogStorageTable.c.id, sort_by_parameter_order=True),
                rows)
            event_ids = [event_id for (event_id,) in inserted]
            self._store_asset_event_tags(conn, events, event_ids)
            for event, event_id in _latest_of_each_kind(events, event_ids):
                self._store_asset_event(conn, event, event_id)


def _latest_of_each_kind(events: Sequence[EventLogEntry], event_ids: Sequence[int]) -> list[tuple[EventLogEntry, int]]:
    """The events whose asset record (Dagster's ``_store_asset_event``) the batch leaves standing, in order.

    ``_store_asset_event`` sets the asset's row to values that depend on the event's type only (which columns)
    and on the event itself (what goes in them), so the row after the whole batch is the one the last event
    of each type and asset leaves: a batch of 500 schools' materializations of an asset writes it once, not
    500 times, each with its own serialised copy of the event.
    """
    last: dict[tuple[Any, Any], int] = {}
    for position, event in enumerate(events):
        dagster_event = event.get_dagster_event()
        last[(dagster_event.asset_key, dagster_event.event_type_value)] = position
    return [(events[position], event_ids[position]) for position in sorted(last.values())]


class BatchedSqliteStorage(DagsterSqliteStorage):
    """Dagster's SQLite storage (runs, event log, schedules under base_dir) with the batched event log."""

    def __init__(self, base_dir: str, inst_data: Any = None):
        super().__init__(base_dir, inst_data=inst_data)
        self._event_log_storage = BatchedSqliteEventLogStorage(_event_logs_directory(base_dir))

    @classmethod
    def from_config_value(cls, inst_data: Any, config_value: dict[str, Any]) -> BatchedSqliteStorage:  # type: ignore[override]
        return cls.from_local(inst_data=inst_data, **config_value)
