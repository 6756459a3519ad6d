import pytest

from pipelines.cli import build_parser, main


@pytest.mark.parametrize("command", ["generate", "build", "demo", "gate"])
def test_every_command_explains_itself(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: portfolio " + command in capsys.readouterr().out


def test_bad_usage_exits_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["generate", "--out", "x", "--years", "113-112"])
    assert exit_info.value.code == 2
    assert "學年度範圍" in capsys.readouterr().err


def test_build_without_source_folder_is_bad_usage(tmp_path, capsys):
    assert main(["build", "--source", str(tmp_path / "nowhere"), "--warehouse", str(tmp_path / "w.duckdb")]) == 2
    assert "找不到來源資料夾" in capsys.readouterr().err


def test_build_without_a_school_folder_is_bad_usage(tmp_path, capsys):
    (tmp_path / "source").mkdir()
    (tmp_path / "source" / "學生資料.csv").write_text("學號\n", encoding="utf-8")  # at the root: no school's
    assert main(["build", "--source", str(tmp_path / "source"), "--warehouse", str(tmp_path / "w.duckdb")]) == 2
    assert "下沒有學校資料夾" in capsys.readouterr().err
    assert not (tmp_path / "w.duckdb").exists()


def test_years_parse_as_a_range():
    args = build_parser().parse_args(["generate", "--out", "x", "--years", "111-113"])
    assert args.years == (111, 113)


@pytest.mark.parametrize("command", [["build"], ["export", "--year", "113"], ["gate", "--year", "113"]])
@pytest.mark.parametrize("school", ["../013301", "013301/..", "abc123", "/tmp"])
def test_a_school_that_is_not_a_code_is_bad_usage(command, school, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command[0], "--school", school, *command[1:]])
    assert exit_info.value.code == 2
    assert "學校代碼應為 6 碼" in capsys.readouterr().err


def test_diagnostics_are_logged_to_stderr_with_ids_masked(tmp_path, monkeypatch, capsys, caplog):
    monkeypatch.setenv("PORTFOLIO_BACKUPS_KEEP", "A123456789")  # not a number: a warning quoting the value
    assert main(["backup", "list", "--warehouse", str(tmp_path / "w.duckdb")]) in (0, 1, 2)
    captured = capsys.readouterr()
    assert "PORTFOLIO_BACKUPS_KEEP='A12****789' 不是 1 以上的整數" in captured.err
    assert "A123456789" not in captured.out + captured.err
    assert {record.name for record in caplog.records if record.levelname == "WARNING"} == {"pipelines.settings"}


def test_generation_reports_on_stdout_and_logs_its_progress_on_stderr_in_detail_with_v(tmp_path, capsys):
    assert main(["-v", "generate", "--out", str(tmp_path / "source"), "--schools", "1", "--students-per-school", "5"]) == 0
    out, err = capsys.readouterr()
    assert "產生模擬資料" in out and "完成：1 校" in out
    assert "INFO pipelines.cli:" in err and "INFO pipelines.cli:" not in out
