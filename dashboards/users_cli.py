"""`portfolio users add/remove/list`: the dashboards' accounts.

Hooked into pipelines/cli.py with `add_parser(subparsers)` and `run(args)`. Passwords are read from a
prompt (or stdin with --password-stdin) or generated with --generate-password and printed once; never
taken as a command-line argument, where they would end up in the shell history and the process list.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

ROLE_HELP = ("系統管理者 (admin), 註冊組 (registrar), 訓育組 (activities), 資料查詢人員 (viewer), 導師 (homeroom), "
             "課程諮詢教師 (counsellor), 任課教師 (teacher), 教育主管機關 (authority)")


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "users", help="manage dashboard accounts (add, remove, list)",
        description="Dashboard accounts with hashed passwords and a role: 系統管理者 sees everything in the school "
        "and manages its accounts, 註冊組 and 訓育組 everything in the school and submit their own 名冊, 資料查詢人員 "
        "everything in the school read-only, 導師 the own class, 課程諮詢教師 the own advisees (or a class), 任課教師 "
        "the own certification queue, 教育主管機關 aggregates across schools.",
    )
    parser.add_argument("--users", type=Path, help="users file; default $PORTFOLIO_USERS or data/users.json")
    actions = parser.add_subparsers(dest="users_action", required=True, metavar="ACTION")

    add = actions.add_parser("add", help="add an account (or replace one with --replace)")
    add.add_argument("username", help="2–32 letters, digits, dot, underscore or hyphen")
    add.add_argument("--role", required=True, help=ROLE_HELP)
    add.add_argument("--school", metavar="CODE", help="學校代碼 (every role except 教育主管機關)")
    add.add_argument("--class", dest="class_code", metavar="CODE", help="班級代碼 (導師; 課程諮詢教師 of a class)")
    add.add_argument("--teacher", metavar="CODE", help="教師代碼 (任課教師; 課程諮詢教師; 導師 as homeroom teacher)")
    add.add_argument("--name", help="display name shown after sign-in")
    how = add.add_mutually_exclusive_group()
    how.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    how.add_argument("--generate-password", action="store_true", help="generate a password and print it once")
    add.add_argument("--replace", action="store_true", help="replace an existing account of that name")
    add.add_argument("--published", type=Path, help="published copy the scope is checked against; default "
                     "$PORTFOLIO_PUBLISHED or published/ beside the warehouse")
    add.add_argument("--users", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    remove = actions.add_parser("remove", help="remove an account")
    remove.add_argument("username")
    remove.add_argument("--users", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    listing = actions.add_parser("list", help="list the accounts with their role and scope (never passwords)")
    listing.add_argument("--users", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return parser


def _password(args: argparse.Namespace) -> str | None:
    if args.generate_password:
        from dashboards.users import generate_password

        return generate_password()
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("密碼: ")
    if getpass.getpass("再輸入一次: ") != first:
        print("兩次輸入的密碼不同", file=sys.stderr)
        return None
    return first


def _unknown_in_scope(user, published: Path | None) -> list[str]:
    """A scope may only name a school, class and teacher the data has (a typo would show an empty page)."""
    from dashboards.config import DashboardConfig
    from dashboards.data import PublishedCopyMissing, scope_unknowns

    try:
        return scope_unknowns(DashboardConfig.resolve(published=published).published, user.scope)
    except PublishedCopyMissing as missing:
        return [f"{missing}；帳號範圍須對照已發布的資料"]


def run(args: argparse.Namespace) -> int:
    from dashboards.console import pad
    from dashboards.roles import Role
    from dashboards.users import User, UsersFileError, add_user, list_users, remove_user, resolve_users_path

    path = resolve_users_path(args.users)
    try:
        if args.users_action == "list":
            accounts = list_users(path)
            if not accounts:
                print(f"帳號檔 {path} 沒有任何帳號")
            for user in accounts:
                print(f"{pad(user.username, 20)} {pad(user.role.value, 12)}  {pad(user.scope.describe(), 36)}"
                      f"{user.display_name or ''}")
            return 0
        if args.users_action == "remove":
            if remove_user(path, args.username):
                print(f"已刪除帳號 {args.username}")
                return 0
            print(f"沒有帳號 {args.username}", file=sys.stderr)
            return 1
        try:
            role = Role.parse(args.role)
            user = User(args.username, role, args.school, args.class_code, args.teacher, args.name)
            unknown = _unknown_in_scope(user, args.published)  # also checks the scope fits the role
        except ValueError as error:
            print(str(error), file=sys.stderr)
            return 2
        if unknown:
            print("帳號範圍有誤：" + "；".join(unknown), file=sys.stderr)
            return 2
        password = _password(args)
        if password is None:
            return 2
        add_user(path, user, password, replace=args.replace)
        print(f"已{'更新' if args.replace else '新增'}帳號 {user.username}（{role.value}，{user.scope.describe()}）→ {path}")
        if args.generate_password:
            print(f"密碼（只顯示這一次）：{password}")
        return 0
    except UsersFileError as error:
        print(str(error), file=sys.stderr)
        return 2
