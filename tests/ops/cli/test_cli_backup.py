"""`portfolio backup list | create | restore` and `portfolio audit`."""

from __future__ import annotations

import duckdb

from pipelines.cli import main


def test_create_list_restore_and_the_audit_trail(ops_copy, capsys):
    warehouse = ["--warehouse", str(ops_copy.warehouse)]
    assert main(["backup", "create", *warehouse]) == 0
    with duckdb.connect(str(ops_copy.warehouse)) as con:
        con.execute("delete from raw.students")  # an accident
    capsys.readouterr()

    assert main(["backup", "list", *warehouse]) == 0
    assert "手動" in capsys.readouterr().out
    assert main(["backup", "restore", "latest", *warehouse, "--actor", "資訊組"]) == 0
    with duckdb.connect(str(ops_copy.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from raw.students").fetchall()[0][0] > 0
    assert main(["backup", "restore", "nonesuch", *warehouse]) == 2

    capsys.readouterr()
    assert main(["audit", *warehouse]) == 0
    shown = capsys.readouterr().out
    assert "資訊組" in shown and "backup_restore" in shown
