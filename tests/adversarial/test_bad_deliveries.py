"""Every bad delivery of cases.py, at the ingestion level (no dbt): one school delivers it beside two clean ones.

For every case: the clean schools load whole; every file and folder under the source root is accounted
for in raw.deliveries; every loaded file's rows add up (delivered = loaded + quarantined, and the
quarantined records are in raw.quarantine); every quarantine message names its file and says why in
Chinese, with no national ID in the clear. Then the case's own outcome.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import duckdb
import pytest

from pipelines.contract import FILES, create_raw_schema
from pipelines.ingest.inventory import record_unrecognised
from pipelines.ingest.load import ingest_file_kind, ingest_policies
from tests.adversarial.cases import BAD, CASES, CLEAN, Case

CLEAN_SCHOOLS = ("013301", "013302")
_WHOLE_ID = re.compile(r"(?<![0-9A-Za-z])[A-Za-z][0-9A-Da-d]\d{8}(?![0-9A-Za-z])")
_CHINESE = re.compile(r"[\u4e00-\u9fff]")


def deliver(root: Path, case: Case) -> None:
    for school in CLEAN_SCHOOLS:
        path = root / school / "admin" / "學生資料.csv"
        path.parent.mkdir(parents=True)
        path.write_bytes(CLEAN)
    (root / BAD).mkdir(exist_ok=True)
    for relative, data in case.files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    for relative, outside in case.links.items():
        target = root.parent / outside
        if target.suffix:  # a valid file: refusing it shows the link was not followed
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(b"retention_years: 3\n" if target.suffix == ".yaml" else CLEAN)
        else:
            (target / "admin").mkdir(parents=True)
            (target / "admin" / "學生資料.csv").write_bytes(CLEAN)
        link = root / relative
        link.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, link)


def ingest_everything(con: duckdb.DuckDBPyConnection, root: Path) -> None:
    for spec in FILES:
        ingest_file_kind(con, root, spec)
    ingest_policies(con, root)
    record_unrecognised(con, root)


@pytest.fixture(scope="module", params=CASES, ids=[case.name for case in CASES])
def outcome(request, tmp_path_factory):
    """Delivered and ingested once per case; the tests below only read."""
    case: Case = request.param
    root = tmp_path_factory.mktemp(case.name) / "source"
    root.mkdir()
    deliver(root, case)
    con = duckdb.connect()
    create_raw_schema(con)
    ingest_everything(con, root)
    yield case, root, con
    con.close()


def rows(con, sql: str, *params) -> list[tuple]:
    return con.execute(sql, list(params)).fetchall()


def test_clean_schools_load_whole(outcome):
    _, _, con = outcome
    loaded = rows(con, "select school_code, status, rows_loaded, rows_quarantined from raw.deliveries "
                       "where file_kind = 'students' and school_code <> ? order by 1", BAD)
    assert loaded == [(school, "loaded", 3, 0) for school in CLEAN_SCHOOLS]
    assert rows(con, "select school_code, count(*) from raw.students where school_code <> ? group by 1 order by 1", BAD) \
        == [(school, 3) for school in CLEAN_SCHOOLS]


def test_every_file_and_folder_is_accounted_for(outcome):
    _, root, con = outcome
    recorded = set()
    for (source_file,) in rows(con, "select source_file from raw.deliveries where source_file is not null"):
        recorded.update(source_file.split(" + "))
    folders = {name.rstrip("/") for name in recorded if name.endswith("/")}
    for dirpath, dirnames, filenames in os.walk(root):  # does not follow links: a link is listed as itself
        for name in [*filenames, *(d for d in dirnames if (Path(dirpath) / d).is_symlink())]:
            relative = (Path(dirpath) / name).relative_to(root).as_posix()
            assert relative in recorded or any(relative.startswith(folder + "/") for folder in folders), relative


def test_delivered_rows_are_loaded_or_quarantined(outcome):
    _, _, con = outcome
    for source_file, delivered, loaded, quarantined, in_quarantine in rows(con, """
        select d.source_file, d.rows_delivered, d.rows_loaded, d.rows_quarantined,
               (select count(distinct q.source_line) from raw.quarantine q
                where q.source_file = d.source_file and q.source_line is not null)
        from raw.deliveries d where d.status = 'loaded'"""):
        assert delivered == loaded + quarantined, source_file
        assert quarantined == in_quarantine, source_file


def test_quarantine_messages_name_the_file_in_chinese_without_whole_ids(outcome):
    _, _, con = outcome
    for source_file, message, raw_value in rows(con, "select source_file, message, raw_value from raw.quarantine"):
        assert _CHINESE.search(message), message
        assert len(message) < 2_000, message[:300]  # a huge value is shown cut, in the message and in its key
        assert source_file is None or source_file.split(" + ")[0] in message
        assert not _WHOLE_ID.search(message) and not _WHOLE_ID.search(raw_value or ""), message
    for (message,) in rows(con, "select message from raw.deliveries union all select policy_error from raw.school_policies"):
        assert not _WHOLE_ID.search(message or ""), message


def test_the_bad_delivery_has_its_outcome(outcome):
    case, _, con = outcome
    school = case.target.split("/")[0] if case.kind == "unknown" else BAD
    found = rows(con, "select status, rows_loaded, rows_delivered, message from raw.deliveries "
                      "where school_code = ? and file_kind = ? and source_file is not distinct from ?",
                 school, case.kind, case.target)
    assert [status for status, *_ in found] == [case.status]
    _, loaded, delivered, message = found[0]
    assert loaded == case.loaded
    if case.status == "loaded":
        assert delivered == case.loaded + len(case.quarantined)
    quarantine = rows(con, "select source_line, field, reason, message from raw.quarantine "
                           "where school_code = ? and file_kind = ? and source_file is not distinct from ? "
                           "order by source_line nulls first", school, case.kind, case.target)
    assert tuple((line, field, reason) for line, field, reason, _ in quarantine) == case.quarantined
    assert any(case.says in text for text in [message, *(text for *_, text in quarantine)]), (message, quarantine)
    if case.policy_problems:
        policy_rows = rows(con, "select field, message from raw.quarantine "
                                "where school_code = ? and reason = 'invalid_policy'", BAD)
        assert len(policy_rows) == case.policy_problems
        assert all(key is None or f"「{key}」" in text for key, text in policy_rows)
        assert rows(con, "select count(*) from raw.students where school_code = ?", BAD) == [(0,)]
