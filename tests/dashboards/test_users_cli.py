"""`portfolio users add/remove/list` from the command line."""

import io

from dashboards.users import authenticate
from pipelines.cli import main


def test_users_add_list_remove(tmp_path, monkeypatch, capsys):
    users = tmp_path / "users.json"
    monkeypatch.setattr("sys.stdin", io.StringIO("a long password\n"))

    assert main(["users", "--users", str(users), "add", "wang", "--role", "導師", "--school", "999001",
                 "--class", "101", "--name", "王老師", "--password-stdin"]) == 0
    assert authenticate(users, "wang", "a long password").class_code == "101"
    assert main(["users", "--users", str(users), "list"]) == 0
    listed = capsys.readouterr().out
    assert "wang" in listed and "班級 101" in listed and "a long password" not in listed
    assert main(["users", "--users", str(users), "remove", "wang"]) == 0
    assert main(["users", "--users", str(users), "remove", "wang"]) == 1


def test_users_add_with_a_generated_password_prints_it_once(tmp_path, capsys):
    users = tmp_path / "users.json"

    assert main(["users", "--users", str(users), "add", "moe", "--role", "authority", "--generate-password"]) == 0
    password = capsys.readouterr().out.strip().splitlines()[-1].split("：")[-1]
    assert authenticate(users, "moe", password) is not None


def test_users_add_with_a_scope_that_does_not_fit_is_a_usage_error(tmp_path, capsys):
    assert main(["users", "--users", str(tmp_path / "u.json"), "add", "x1", "--role", "任課教師", "--school", "999001",
                 "--generate-password"]) == 2
    assert "教師代碼" in capsys.readouterr().err
