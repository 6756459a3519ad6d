from pathlib import Path

from pipelines.settings import Settings


def test_command_line_wins_over_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTFOLIO_WAREHOUSE", str(tmp_path / "env.duckdb"))
    settings = Settings.resolve(warehouse=tmp_path / "cli.duckdb")
    assert settings.warehouse == tmp_path / "cli.duckdb"


def test_environment_wins_over_default(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTFOLIO_WAREHOUSE", str(tmp_path / "env.duckdb"))
    monkeypatch.setenv("PORTFOLIO_SOURCE", str(tmp_path / "deliveries"))
    settings = Settings.resolve()
    assert settings.warehouse == tmp_path / "env.duckdb"
    assert settings.source == tmp_path / "deliveries"


def test_default_is_data_warehouse_in_the_working_directory(monkeypatch, tmp_path):
    monkeypatch.delenv("PORTFOLIO_WAREHOUSE", raising=False)
    monkeypatch.chdir(tmp_path)
    assert Settings.resolve().warehouse == tmp_path / Path("data/warehouse.duckdb")


def test_backups_keep_comes_from_the_environment_and_bad_values_keep_the_default(monkeypatch, capsys):
    monkeypatch.setenv("PORTFOLIO_BACKUPS_KEEP", "14")
    assert Settings.resolve().backups_keep == 14
    monkeypatch.setenv("PORTFOLIO_BACKUPS_KEEP", "zero")
    assert Settings.resolve().backups_keep == 5
    assert "PORTFOLIO_BACKUPS_KEEP" in capsys.readouterr().err


def test_backups_and_the_audit_log_sit_beside_the_warehouse(tmp_path):
    settings = Settings.resolve(warehouse=tmp_path / "data" / "w.duckdb")
    assert settings.backups_dir == tmp_path / "data" / "backups"
    assert settings.audit_log == tmp_path / "data" / "audit" / "events.jsonl"
