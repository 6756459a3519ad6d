"""`portfolio remind`: writes the lists, stores them for the dashboard, audits; bad input is a usage error."""

from __future__ import annotations

import duckdb

from pipelines.cli import main
from pipelines.ops.audit import read_audit
from tests.ops.schools_fixture import AS_OF_CERTIFICATION, SCHOOL_A


def test_remind_writes_stores_and_audits(ops_copy, tmp_path, capsys):
    out = tmp_path / "lists"
    code = main(["remind", "--as-of", "114/07/15", "--warehouse", str(ops_copy.warehouse), "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0
    assert f"{SCHOOL_A}  截止事項：課程學習成果認證截止 民國 114/07/21（剩 6 天）" in printed
    assert (out / SCHOOL_A / AS_OF_CERTIFICATION.isoformat() / f"教師提醒_{AS_OF_CERTIFICATION.isoformat()}.xlsx").is_file()
    with duckdb.connect(str(ops_copy.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from ops.reminders where school_code = ?", [SCHOOL_A]).fetchall()[0][0] == 2
        assert con.execute("select proxy_code from ops.proxy_assignments").fetchall() == [("T02",)]
    [event] = read_audit(ops_copy, action="remind")
    assert event["details"]["rows"] == 2  # A: CO-A2 and CO-A3; B has nothing waiting


def test_remind_refuses_what_it_cannot_do(ops_sample, tmp_path, capsys):
    assert main(["remind", "--warehouse", str(tmp_path / "none.duckdb")]) == 2
    assert main(["remind", "--warehouse", str(ops_sample.warehouse), "--school", "999999", "--no-store",
                 "--out", str(tmp_path)]) == 2
    assert "倉儲中沒有學校：999999" in capsys.readouterr().err
