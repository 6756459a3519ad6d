"""Which schools delivered something new: cheap stat fingerprints first, checksums against the warehouse."""

from __future__ import annotations

import os
import shutil

import pytest

from pipelines.ops.deliveries import detect_changes, load_cursor, school_fingerprint
from pipelines.settings import Settings
from tests.ops import schools_fixture
from tests.ops.conftest import ingest

A, B = schools_fixture.SCHOOL_A, schools_fixture.SCHOOL_B


@pytest.fixture()
def ingested(tmp_path) -> Settings:
    """Both schools' folders, ingested (no dbt needed: the comparison reads raw.*)."""
    settings = Settings.resolve(warehouse=tmp_path / "warehouse.duckdb", source=tmp_path / "source")
    schools_fixture.write_sources(settings.source)
    ingest(settings)
    return settings


def test_a_folder_the_warehouse_already_holds_starts_nothing(ingested):
    changes = detect_changes(ingested.source, {}, ingested.warehouse)
    assert changes.changed == {} and set(changes.cursor) == {A, B}


def test_a_changed_file_is_a_change_of_that_school_only(ingested):
    cursor = detect_changes(ingested.source, {}, ingested.warehouse).cursor
    students = schools_fixture.students_file(ingested.source, A)
    students.write_bytes(students.read_bytes() + "113,2,A09,,新生,1,,,,,,1,101,9,在學,\n".encode())
    changes = detect_changes(ingested.source, cursor, ingested.warehouse)
    assert list(changes.changed) == [A]
    assert changes.cursor[A] != cursor[A] and changes.cursor[B] == cursor[B]


def test_touching_or_recopying_unchanged_files_is_no_change(ingested):
    cursor = detect_changes(ingested.source, {}, ingested.warehouse).cursor
    students = schools_fixture.students_file(ingested.source, B)
    shutil.copyfile(students, students.with_suffix(".tmp"))
    os.replace(students.with_suffix(".tmp"), students)
    os.utime(students, ns=(1, 1))
    assert school_fingerprint(ingested.source, B) != cursor[B]
    assert detect_changes(ingested.source, cursor, ingested.warehouse).changed == {}


def test_without_a_warehouse_every_school_is_new(tmp_path):
    schools_fixture.write_sources(tmp_path / "source")
    changes = detect_changes(tmp_path / "source", {}, tmp_path / "missing.duckdb")
    assert sorted(changes.changed) == [A, B]


def test_an_unreadable_cursor_counts_as_empty():
    assert load_cursor("not json") == {} and load_cursor('["a"]') == {} and load_cursor(None) == {}
