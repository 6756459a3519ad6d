"""The audit log: appended, never content (national IDs masked), mirrored into audit.events."""

from __future__ import annotations

import duckdb

from pipelines.ops.audit import read_audit, record_audit, sync_audit_table


def test_events_are_appended_with_who_what_when(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTFOLIO_ACTOR", "註冊組")
    log = tmp_path / "audit" / "events.jsonl"
    record_audit(log, "export", school="990001", year=113, term=1, details={"rows": 12})
    record_audit(log, "submit", school="990001", year=113, term=1, actor="教務主任")

    first, second = read_audit(log)
    assert (first["action"], first["actor"], first["school_code"], first["academic_year"], first["term"]) == \
        ("export", "註冊組", "990001", 113, 1)
    assert first["details"] == {"rows": 12} and first["occurred_at"]
    assert (second["action"], second["actor"]) == ("submit", "教務主任")
    assert [event["action"] for event in read_audit(log, action="submit")] == ["submit"]


def test_national_ids_never_reach_the_log(tmp_path):
    log = tmp_path / "events.jsonl"
    record_audit(log, "purge", details={"students": [{"id": "A123456789"}], "note": "B223456782 removed"})
    text = log.read_text(encoding="utf-8")
    assert "A123456789" not in text and "B223456782" not in text
    assert "A12****789" in text


def test_a_line_cut_short_by_a_crash_does_not_hide_the_rest(tmp_path):
    log = tmp_path / "events.jsonl"
    record_audit(log, "build")
    with log.open("a", encoding="utf-8") as handle:
        handle.write('{"action": "exp')  # the process died mid-write
        handle.write("\n")
    record_audit(log, "purge")
    assert [event["action"] for event in read_audit(log)] == ["build", "purge"]


def test_the_warehouse_table_mirrors_the_log(tmp_path):
    log = tmp_path / "events.jsonl"
    record_audit(log, "export", school="990001", details={"files": ["a.xlsx"]})
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        assert sync_audit_table(con, log) == 1
        record_audit(log, "reconcile", school="990001")
        assert sync_audit_table(con, log) == 2  # rewritten, not appended twice
        rows = con.execute("select action, school_code, details->>'$.files[0]' from audit.events order by occurred_at, action").fetchall()
    assert sorted(rows) == [("export", "990001", "a.xlsx"), ("reconcile", "990001", None)]
