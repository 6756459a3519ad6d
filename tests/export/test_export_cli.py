"""`portfolio export / submit / verify / receipts simulate / reconcile` as a user runs them; each action
refreshes the dashboards' copy of the submission records at once."""

from __future__ import annotations

import re

import duckdb
import openpyxl
import pytest

from pipelines.cli import main
from pipelines.publish import publish

WHOLE_ID = re.compile(r"(?<![0-9A-Za-z])[A-Z][12ABCD89]\d{8}(?![0-9A-Za-z])")


@pytest.mark.parametrize("command", [["export"], ["submit"], ["verify"], ["reconcile"], ["receipts", "simulate"]])
def test_every_command_explains_itself(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: portfolio " + " ".join(command) in capsys.readouterr().out


def published_rows(settings, table: str) -> int:
    con = duckdb.connect(str(settings.published), read_only=True)
    try:
        return con.execute(f"select count(*) from submissions.{table}").fetchall()[0][0]
    finally:
        con.close()


def test_the_whole_loop_from_the_command_line_never_prints_a_national_id(workspace, school_year, capsys):
    school, year = school_year
    out = workspace.warehouse.parent / "out"
    common = ["--school", school, "--year", str(year), "--warehouse", str(workspace.warehouse)]
    printed = []

    def run(*arguments) -> int:
        code = main(list(arguments))
        captured = capsys.readouterr()
        printed.append(captured.out + captured.err)
        return code

    assert run("export", *common, "--term", "1", "--out", str(out)) == 1  # the sample's gate fails
    assert "R15" in printed[-1] and "--allow-partial" in printed[-1]
    assert not (out / school).exists()

    assert run("export", *common, "--term", "1", "--out", str(out), "--allow-partial") == 0
    assert "部分匯出" in printed[-1]
    publish(workspace)
    submit = ("submit", *common, "--term", "1", "--out", str(out))
    assert run(*submit, "--unit", "註冊組", "--roster", "校內幹部經歷名冊") == 1
    assert "校內幹部經歷名冊 由訓育組提交，註冊組不能提交" in printed[-1]
    assert run(*submit, "--unit", "訓育組", "--by", "訓育組長") == 0
    assert "訓育組已提交 校內幹部經歷名冊" in printed[-1] and "註冊組 學生資料名冊" in printed[-1]
    assert run(*submit, "--unit", "註冊組", "--by", "註冊組長") == 0
    assert "訓育組、註冊組" in printed[-1]
    assert published_rows(workspace, "submissions") == 1, "the dashboards' copy has the submission at once"
    assert run("submit", *common, "--term", "1", "--out", str(out)) == 1
    assert run("verify", "--out", str(out), "--warehouse", str(workspace.warehouse)) == 0
    assert published_rows(workspace, "verifications") > 0

    assert run("receipts", "simulate", *common, "--term", "1", "--out", str(out), "--source", str(workspace.source)) == 0
    assert run("reconcile", *common, "--term", "1", "--source", str(workspace.source),
               "--reports", str(workspace.warehouse.parent / "reports")) == 1  # some rows were rejected
    assert "退件原因" in printed[-1]
    assert published_rows(workspace, "reconciliations") == 1

    workbook = next((out / school / f"{year}_1").glob("*學生資料名冊.xlsx"))
    book = openpyxl.load_workbook(workbook)
    book["學生資料"]["B2"] = "090/01/01"
    book.save(workbook)
    assert run("verify", "--out", str(out), "--warehouse", str(workspace.warehouse)) == 1
    assert "內容已被修改" in printed[-1]

    assert not any(WHOLE_ID.search(text) for text in printed)


def test_a_missing_warehouse_is_bad_usage(tmp_path, capsys):
    assert main(["export", "--all", "--warehouse", str(tmp_path / "none.duckdb")]) == 2
    assert "找不到倉儲檔" in capsys.readouterr().err
