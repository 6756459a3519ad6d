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


def test_years_parse_as_a_range():
    args = build_parser().parse_args(["generate", "--out", "x", "--years", "111-113"])
    assert args.years == (111, 113)
