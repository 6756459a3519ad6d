"""The demo accounts: one per role, each able to sign in and to see its part of the sample."""

from dashboards.data import DataAccess
from dashboards.demo import create_demo_users, demo_message, reference_note
from dashboards.roles import Role
from dashboards.users import authenticate
from tests.dashboards.conftest import AS_OF


def test_one_account_per_role_that_signs_in_and_sees_data(built_sample, tmp_path):
    users = tmp_path / "users.json"

    accounts = create_demo_users(built_sample.settings, users)

    assert sorted(account.role.value for account in accounts) == sorted(role.value for role in Role)
    for account in accounts:
        user = authenticate(users, account.username, account.password)
        assert user is not None and user.scope == account.scope
    by_role = {account.role: DataAccess(built_sample.settings.published, account.scope, cached=False) for account in accounts}
    year, term = (int(value) for value in by_role[Role.AUTHORITY].terms().iloc[0])
    homeroom = by_role[Role.HOMEROOM_TEACHER]
    school = homeroom.scope.school_code
    assert not homeroom.class_students(school, year, term, homeroom.scope.class_code, AS_OF).students.empty
    assert not by_role[Role.SUBJECT_TEACHER].teacher_queues(school, year, term, AS_OF).items.empty
    message = demo_message(accounts, users=users, reference=reference_note(built_sample.settings))
    assert "make dashboard" in message and all(account.password in message for account in accounts)
    assert "基準日" in message, "the demo says which day days left count from"

