"""`portfolio exchange export` then `import`: the zip goes between schools, an audit entry at both ends."""

from __future__ import annotations

import shutil

from pipelines.cli import main
from pipelines.ops.audit import read_audit
from pipelines.settings import Settings
from tests.ops.schools_fixture import IDS, SCHOOL_A, SCHOOL_B


def test_export_then_import_is_audited_at_both_ends_and_never_prints_the_id(exchange_sample, tmp_path, capsys):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(exchange_sample.settings.warehouse, warehouse)
    assert main(["exchange", "export", "--school", SCHOOL_A, "--student", "A02", "--warehouse", str(warehouse),
                 "--out", str(tmp_path / "out")]) == 0
    [package] = (tmp_path / "out").rglob("*.zip")
    assert main(["exchange", "import", "--school", SCHOOL_B, "--package", str(package),
                 "--warehouse", str(warehouse)]) == 0
    assert main(["exchange", "import", "--school", SCHOOL_A, "--package", str(package),
                 "--warehouse", str(warehouse)]) == 1  # the sending school itself
    printed = capsys.readouterr()
    assert "拒絕" in printed.err and IDS["S02"] not in printed.out + printed.err
    events = read_audit(Settings.resolve(warehouse=warehouse))
    assert [(event["action"], event["school_code"]) for event in events] == [
        ("exchange_export", SCHOOL_A), ("exchange_import", SCHOOL_B)]
    assert events[1]["details"]["student_number"] == "B0002" and IDS["S02"] not in str(events)
