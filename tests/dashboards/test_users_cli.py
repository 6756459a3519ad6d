"""`portfolio users add/remove/list` from the command line."""

import io

import duckdb
import pytest

from dashboards.users import authenticate
from pipelines.cli import main


@pytest.fixture
def published(tmp_path, monkeypatch):
    """A published copy that knows school 999001 with class 101 and teacher T0001 (and nothing else)."""
    path = tmp_path / "published.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute("create table marts.dim_schools as select '999001' as school_code")
    con.execute("create table marts.dim_classes as select '999001' as school_code, '101' as class_code")
    con.execute("create table marts.dim_teachers as select '999001' as school_code, 'T0001' as teacher_code")
    con.close()
    monkeypatch.setenv("PORTFOLIO_PUBLISHED", str(path))
    return path


def test_users_add_list_remove(tmp_path, monkeypatch, capsys, published):
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


def test_users_add_with_a_generated_password_prints_it_once(tmp_path, capsys, published):
    users = tmp_path / "users.json"

    assert main(["users", "--users", str(users), "add", "moe", "--role", "authority", "--generate-password"]) == 0
    password = capsys.readouterr().out.strip().splitlines()[-1].split("：")[-1]
    assert authenticate(users, "moe", password) is not None


def test_users_add_with_a_scope_that_does_not_fit_is_a_usage_error(tmp_path, capsys, published):
    assert main(["users", "--users", str(tmp_path / "u.json"), "add", "x1", "--role", "任課教師", "--school", "999001",
                 "--generate-password"]) == 2
    assert "教師代碼" in capsys.readouterr().err


@pytest.mark.parametrize("scope,message", [
    (["--role", "admin", "--school", "999002"], "學校代碼 999002 不在已發布的資料中"),
    (["--role", "homeroom", "--school", "999001", "--class", "102"], "班級代碼 102 不是學校 999001 的班級"),
    (["--role", "teacher", "--school", "999001", "--teacher", "T0002"], "教師代碼 T0002 不是學校 999001 的教師"),
])
def test_users_add_refuses_a_scope_naming_what_does_not_exist(tmp_path, capsys, published, scope, message):
    users = tmp_path / "users.json"

    assert main(["users", "--users", str(users), "add", "x1", *scope, "--generate-password"]) == 2
    assert message in capsys.readouterr().err
    assert not users.exists()


def test_users_add_without_a_published_copy_cannot_check_the_scope(tmp_path, capsys):
    assert main(["users", "--users", str(tmp_path / "u.json"), "add", "x1", "--role", "admin", "--school", "999001",
                 "--published", str(tmp_path / "none.duckdb"), "--generate-password"]) == 2
    assert "帳號範圍須對照已發布的資料" in capsys.readouterr().err
