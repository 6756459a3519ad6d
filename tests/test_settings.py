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


def test_backups_keep_comes_from_the_environment_and_bad_values_keep_the_default(monkeypatch, caplog):
    monkeypatch.setenv("PORTFOLIO_BACKUPS_KEEP", "14")
    assert Settings.resolve().backups_keep == 14
    monkeypatch.setenv("PORTFOLIO_BACKUPS_KEEP", "zero")
    assert Settings.resolve().backups_keep == 5
    assert "PORTFOLIO_BACKUPS_KEEP='zero'" in caplog.text


def test_backups_and_the_audit_log_sit_beside_the_warehouse(tmp_path):
    settings = Settings.resolve(warehouse=tmp_path / "data" / "w.duckdb")
    assert settings.backups_dir == tmp_path / "data" / "backups"
    assert settings.audit_log == tmp_path / "data" / "audit" / "events.jsonl"


def test_generated_files_live_beside_the_warehouse_whatever_the_current_directory(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    settings = Settings.resolve(warehouse=tmp_path / "w" / "warehouse.duckdb")
    base = tmp_path / "w"
    assert (settings.gate_reports_dir, settings.receipt_reports_dir, settings.exports_dir, settings.reminders_dir) == (
        base / "reports" / "gate", base / "reports" / "receipts", base / "exports", base / "reminders")
    assert all(any(path.is_relative_to(root) for root in settings.output_dirs) for path in (
        settings.gate_reports_dir, settings.receipt_reports_dir, settings.exports_dir, settings.reminders_dir,
        settings.exchange_dir))


def test_a_full_builds_gate_reports_wait_until_its_copy_goes_live(tmp_path):
    live = Settings.resolve(warehouse=tmp_path / "warehouse.duckdb")
    work = Settings.resolve(warehouse=tmp_path / "warehouse.building.duckdb")
    assert not live.is_working_copy and work.is_working_copy
    assert work.gate_reports_dir == live.pending_gate_reports_dir != live.gate_reports_dir
