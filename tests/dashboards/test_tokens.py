"""Session tokens: signed, expiring, tied to the account as it is now, never holding a password."""

import base64
import json
import stat

import pytest

from dashboards.roles import Role
from dashboards.tokens import SESSION_SECONDS, issue, secret_path, verify
from dashboards.users import User, add_user, remove_user, update_user

PASSWORD = "s3cret-enough"
NOW = 1_800_000_000.0


@pytest.fixture
def users(tmp_path):
    path = tmp_path / "users.json"
    add_user(path, User("wang", Role.HOMEROOM_TEACHER, "999001", "101"), PASSWORD)
    return path


def test_a_token_names_the_account_until_it_expires(users):
    token = issue(users, User("wang", Role.HOMEROOM_TEACHER, "999001", "101"), now=NOW)

    assert verify(users, token, now=NOW + SESSION_SECONDS - 1) == User("wang", Role.HOMEROOM_TEACHER, "999001", "101")
    assert verify(users, token, now=NOW + SESSION_SECONDS) is None
    payload = base64.urlsafe_b64decode(token.split(".")[0] + "==").decode()
    assert PASSWORD not in token and set(json.loads(payload)) == {"u", "exp", "s"}
    assert stat.S_IMODE(secret_path(users).stat().st_mode) == 0o600


def test_a_changed_token_or_another_secret_is_refused(users, tmp_path):
    token = issue(users, User("wang", Role.HOMEROOM_TEACHER, "999001", "101"), now=NOW)
    payload, signature = token.split(".")
    forged = base64.urlsafe_b64encode(json.dumps({**json.loads(base64.urlsafe_b64decode(payload + "==")),
                                                  "u": "admin"}).encode()).decode().rstrip("=")

    assert verify(users, f"{forged}.{signature}", now=NOW) is None
    assert verify(users, token[:-1] + ("0" if token[-1] != "0" else "1"), now=NOW) is None
    assert verify(users, "not a token", now=NOW) is None
    secret_path(users).write_text("00" * 32)
    assert verify(users, token, now=NOW) is None


def test_a_new_password_a_disabled_or_a_removed_account_ends_its_sessions(users):
    wang = User("wang", Role.HOMEROOM_TEACHER, "999001", "101")
    token = issue(users, wang, now=NOW)
    add_user(users, wang, "another-password", replace=True)
    assert verify(users, token, now=NOW) is None

    token = issue(users, wang, now=NOW)
    update_user(users, User("wang", Role.HOMEROOM_TEACHER, "999001", "101", disabled=True))
    assert verify(users, token, now=NOW) is None, "disabling an account ends its sessions"

    update_user(users, wang)
    token = issue(users, wang, now=NOW)
    remove_user(users, "wang")
    assert verify(users, token, now=NOW) is None
    assert issue(users, wang, now=NOW) is None
