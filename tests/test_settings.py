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
