"""`portfolio purge`: a dry run by default that names students by number, then --apply."""

from __future__ import annotations

from pipelines.cli import main
from tests.ops.schools_fixture import IDS


def test_dry_run_then_apply(ops_copy, capsys):
    arguments = ["purge", "--as-of", "2025-08-01", "--warehouse", str(ops_copy.warehouse)]
    assert main(arguments) == 0
    listed = capsys.readouterr().out
    assert "試算" in listed and "學號 A05" in listed and "raw.students" in listed
    assert IDS["S05"] not in listed and "學生S05" not in listed

    assert main([*arguments, "--apply", "--actor", "註冊組長"]) == 0
    assert "已清除 1 位學生" in capsys.readouterr().out
    assert main(arguments) == 0
    assert "沒有超過保存年限的離校生" in capsys.readouterr().out


def test_purge_needs_a_date_and_a_warehouse(tmp_path, capsys):
    assert main(["purge", "--as-of", "2025-08-01", "--warehouse", str(tmp_path / "none.duckdb")]) == 2
