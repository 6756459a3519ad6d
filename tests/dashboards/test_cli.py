"""`portfolio dashboard` from the command line."""

import pytest

from dashboards import cli as dashboard_cli
from pipelines.cli import main


def test_dashboard_without_any_data_says_what_to_do(tmp_path, capsys):
    assert main(["dashboard", "--warehouse", str(tmp_path / "none.duckdb")]) == 2
    assert "portfolio build" in capsys.readouterr().err


def test_dashboard_starts_streamlit_on_localhost_with_the_published_copy(published, users_file, monkeypatch):
    started = {}
    monkeypatch.setattr(dashboard_cli.os, "execvpe", lambda file, argv, env: started.update(argv=argv, env=env))

    assert main(["dashboard", "--published", str(published), "--users", str(users_file), "--port", "8765"]) == 0
    assert "--server.address=127.0.0.1" in started["argv"] and "--server.port=8765" in started["argv"]
    assert started["env"]["PORTFOLIO_PUBLISHED"] == str(published)
    assert started["env"]["PORTFOLIO_USERS"] == str(users_file)


@pytest.mark.parametrize("port", ["80", "http"])
def test_dashboard_rejects_a_bad_port(port):
    with pytest.raises(SystemExit) as exit_info:
        main(["dashboard", "--port", port])
    assert exit_info.value.code == 2
