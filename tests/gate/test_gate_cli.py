"""`portfolio gate`: exit 0 when it passes, 1 when an error rule fails, 2 for bad usage."""

from __future__ import annotations

import json

import pytest

from pipelines.gate.cli import main
from tests.gate import warehouse_fixture as fx


def gate(*argv: str) -> int:
    return main(list(argv))


def test_failing_school_exits_1_and_writes_json_and_html(gate_warehouse, tmp_path, capsys):
    code = gate("--school", fx.SCHOOL, "--year", str(fx.YEAR), "--as-of", fx.AS_OF.isoformat(),
                "--warehouse", str(gate_warehouse), "--reports", str(tmp_path), "--no-store")
    assert code == 1
    folder = tmp_path / fx.SCHOOL / str(fx.YEAR)
    assert json.loads((folder / "gate.json").read_text(encoding="utf-8"))["passed"] is False
    assert (folder / "gate.html").is_file()
    assert "不通過" in capsys.readouterr().out


def test_passing_school_exits_0(gate_warehouse, tmp_path):
    json_path, html_path = tmp_path / "out" / "g.json", tmp_path / "out" / "g.html"
    assert gate("--school", fx.CLEAN_SCHOOL, "--year", str(fx.YEAR), "--json", str(json_path), "--html", str(html_path),
                "--warehouse", str(gate_warehouse), "--no-store") == 0
    assert json.loads(json_path.read_text(encoding="utf-8"))["passed"] is True and html_path.is_file()


def test_as_of_accepts_roc_dates(gate_warehouse, tmp_path):
    path = tmp_path / "g.json"
    gate("--school", fx.SCHOOL, "--as-of", "114/01/25", "--json", str(path), "--warehouse", str(gate_warehouse), "--no-store")
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["as_of"] == "2025-01-25" and document["academic_year"] == fx.YEAR  # latest year by default


def test_all_prints_a_line_per_school_and_exits_1_if_any_fails(gate_warehouse, tmp_path, capsys):
    assert gate("--all", "--as-of", fx.AS_OF.isoformat(), "--warehouse", str(gate_warehouse),
                "--reports", str(tmp_path), "--no-store") == 1
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith(fx.SCHOOL) and "不通過" in line for line in lines)
    assert any(line.startswith(fx.CLEAN_SCHOOL) and "通過" in line and "不通過" not in line for line in lines)
    assert (tmp_path / fx.CLEAN_SCHOOL / str(fx.YEAR) / "gate.html").is_file()


@pytest.mark.parametrize("argv", [
    ["--school", "000000"],  # no such school
    ["--school", fx.SCHOOL, "--year", "99"],  # no such year
    ["--all", "--json", "x.json"],  # one JSON cannot hold every school
])
def test_bad_usage_exits_2(gate_warehouse, argv, capsys):
    assert gate(*argv, "--warehouse", str(gate_warehouse), "--no-store") == 2
    assert capsys.readouterr().err


def test_missing_warehouse_exits_2(tmp_path):
    assert gate("--school", fx.SCHOOL, "--warehouse", str(tmp_path / "none.duckdb")) == 2


@pytest.mark.parametrize("argv", [[], ["--school", "X", "--all"], ["--school", "X", "--term", "3"],
                                  ["--school", "X", "--as-of", "someday"]])
def test_argument_errors_exit_2(argv):
    with pytest.raises(SystemExit) as exit_info:
        gate(*argv)
    assert exit_info.value.code == 2


def test_a_status_line_names_the_school_from_the_directory():
    import datetime as dt

    from expectations.rules import RULES
    from expectations.runner import RuleResult
    from pipelines.gate.cli import _status_line
    from pipelines.gate.core import GateResult
    from pipelines.names import NameBook, school_directory

    code, row = next(iter(school_directory().items()))
    result = GateResult(code, 113, None, dt.date(2025, 8, 31), tuple(RuleResult(rule) for rule in RULES), names=NameBook(code))
    assert _status_line(result, None).startswith(f"{row['school_name']}（{code}）  113 學年度  通過")
