import pytest

from dashboards.roles import SCHOOL_STAFF, Role, pages_for
from pipelines.export.layout import roster_units


@pytest.mark.parametrize("text,role", [("導師", Role.HOMEROOM_TEACHER), ("admin", Role.SCHOOL_ADMIN),
                                       (" teacher ", Role.SUBJECT_TEACHER), ("ministry", Role.AUTHORITY),
                                       ("訓育組", Role.ACTIVITIES), ("registrar", Role.REGISTRAR),
                                       ("viewer", Role.VIEWER), ("counsellor", Role.COUNSELLOR)])
def test_a_role_is_named_in_chinese_or_by_an_english_alias(text, role):
    assert Role.parse(text) is role


def test_an_unknown_role_names_the_choices():
    with pytest.raises(ValueError, match="系統管理者"):
        Role.parse("principal")


def test_the_submitting_roles_are_the_units_that_own_rosters_and_the_administrator_is_the_registrar():
    units = set(roster_units().values())

    assert {role.unit for role in Role if role.unit} == units == {"註冊組", "訓育組"}
    assert {role.value for role in Role if role.unit and role is not Role.SCHOOL_ADMIN} == units
    assert Role.SCHOOL_ADMIN.unit == "註冊組"
    assert Role.VIEWER.unit is None and Role.COUNSELLOR.unit is None


def test_read_only_roles_have_no_page_with_actions():
    for role in (Role.VIEWER, Role.COUNSELLOR):
        assert "accounts" not in pages_for(role) and role.unit is None
    assert pages_for(Role.COUNSELLOR) == ["classroom"]
    assert all(role.sees_whole_school for role in SCHOOL_STAFF)
