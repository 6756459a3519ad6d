"""The users file: hashed passwords, roles with their scope, add/remove/list, and sign-in checks."""

import json
import stat

import pytest

from dashboards.roles import Role
from dashboards.users import SignInThrottle, User, UsersFileError, add_user, authenticate, list_users, remove_user

PASSWORD = "s3cret-enough"


@pytest.fixture
def users(tmp_path):
    return tmp_path / "users.json"


def test_a_stored_password_is_a_salted_hash_in_an_owner_only_file(users):
    add_user(users, User("wang", Role.HOMEROOM_TEACHER, "999001", "101"), PASSWORD)
    add_user(users, User("lee", Role.HOMEROOM_TEACHER, "999001", "102"), PASSWORD)

    text = users.read_text(encoding="utf-8")
    records = json.loads(text)["users"]
    assert PASSWORD not in text
    assert records[0]["password"]["scheme"] == "scrypt"
    assert records[0]["password"]["salt"] != records[1]["password"]["salt"]
    assert records[0]["password"]["hash"] != records[1]["password"]["hash"]
    assert stat.S_IMODE(users.stat().st_mode) == 0o600


def test_sign_in_needs_the_right_name_and_password(users):
    add_user(users, User("wang", Role.HOMEROOM_TEACHER, "999001", "101", display_name="王老師"), PASSWORD)

    signed_in = authenticate(users, "wang", PASSWORD)
    assert signed_in == User("wang", Role.HOMEROOM_TEACHER, "999001", "101", display_name="王老師")
    assert authenticate(users, "wang", PASSWORD + "x") is None
    assert authenticate(users, "nobody", PASSWORD) is None
    assert authenticate(users, "", "") is None


def test_an_existing_account_is_replaced_only_when_asked(users):
    add_user(users, User("wang", Role.SUBJECT_TEACHER, "999001", teacher_code="T01"), PASSWORD)

    with pytest.raises(UsersFileError, match="已存在"):
        add_user(users, User("wang", Role.SCHOOL_ADMIN, "999001"), "another password")
    add_user(users, User("wang", Role.SCHOOL_ADMIN, "999001"), "another password", replace=True)
    assert authenticate(users, "wang", "another password").role is Role.SCHOOL_ADMIN
    assert authenticate(users, "wang", PASSWORD) is None


@pytest.mark.parametrize("user,password,problem", [
    (User("a b", Role.AUTHORITY), PASSWORD, "帳號名稱"),
    (User("short", Role.AUTHORITY), "1234567", "密碼至少"),
    (User("admin", Role.SCHOOL_ADMIN), PASSWORD, "學校代碼"),
    (User("homeroom", Role.HOMEROOM_TEACHER, "999001"), PASSWORD, "班級代碼"),
    (User("teacher", Role.SUBJECT_TEACHER, "999001"), PASSWORD, "教師代碼"),
    (User("ministry", Role.AUTHORITY, "999001"), PASSWORD, "全國彙總"),
    (User("counsellor", Role.COUNSELLOR, "999001"), PASSWORD, "課程諮詢教師帳號必須指定"),
    (User("viewer", Role.VIEWER, "999001", "101"), PASSWORD, "資料查詢人員帳號看全校"),
    (User("activities", Role.ACTIVITIES, "999001", teacher_code="T0001"), PASSWORD, "訓育組帳號看全校"),
])
def test_accounts_that_do_not_fit_their_role_are_refused(users, user, password, problem):
    with pytest.raises(ValueError, match=problem):
        add_user(users, user, password)
    assert not users.exists()


def test_remove_and_list(users):
    add_user(users, User("b-user", Role.AUTHORITY), PASSWORD)
    add_user(users, User("a-user", Role.SCHOOL_ADMIN, "999001"), PASSWORD)

    assert [user.username for user in list_users(users)] == ["a-user", "b-user"]
    assert remove_user(users, "b-user") and not remove_user(users, "b-user")
    assert [user.username for user in list_users(users)] == ["a-user"]


def test_a_damaged_users_file_refuses_sign_in_without_crashing(users):
    users.write_text("{not json", encoding="utf-8")

    assert authenticate(users, "wang", PASSWORD) is None
    with pytest.raises(UsersFileError):
        list_users(users)


def test_repeated_wrong_passwords_lock_the_name_until_the_lockout_has_passed():
    now = [1000.0]
    throttle = SignInThrottle(limit=3, lockout_seconds=600, clock=lambda: now[0])
    for _ in range(2):
        throttle.failed("wang")
    assert throttle.seconds_locked("wang") == 0

    throttle.failed(" wang ")
    now[0] += 60
    assert throttle.seconds_locked("wang") == 540
    assert throttle.seconds_locked("lee") == 0, "another name is not locked"

    now[0] += 540
    assert throttle.seconds_locked("wang") == 0
    throttle.failed("wang")
    assert throttle.seconds_locked("wang") == 0, "after the lockout the count starts again"


def test_failures_far_apart_and_a_success_do_not_add_up():
    now = [0.0]
    throttle = SignInThrottle(limit=2, lockout_seconds=600, clock=lambda: now[0])
    throttle.failed("wang")
    now[0] += 601
    throttle.failed("wang")
    assert throttle.seconds_locked("wang") == 0

    throttle.succeeded("wang")
    throttle.failed("wang")
    assert throttle.seconds_locked("wang") == 0


def test_an_account_can_be_disabled_rescoped_and_given_a_new_password(users):
    from dashboards.users import update_user

    add_user(users, User("wang", Role.HOMEROOM_TEACHER, "999001", "101"), PASSWORD)
    update_user(users, User("wang", Role.HOMEROOM_TEACHER, "999001", "102", disabled=True))
    assert authenticate(users, "wang", PASSWORD) is None, "a disabled account may not sign in"

    update_user(users, User("wang", Role.HOMEROOM_TEACHER, "999001", "102"), password="a new password")
    assert authenticate(users, "wang", PASSWORD) is None
    assert authenticate(users, "wang", "a new password") == User("wang", Role.HOMEROOM_TEACHER, "999001", "102")
    with pytest.raises(UsersFileError):
        update_user(users, User("nobody", Role.SCHOOL_ADMIN, "999001"))
