from dashboards.roles import Role

import pytest


@pytest.mark.parametrize("text,role", [("導師", Role.HOMEROOM_TEACHER), ("admin", Role.SCHOOL_ADMIN),
                                       (" teacher ", Role.SUBJECT_TEACHER), ("ministry", Role.AUTHORITY)])
def test_a_role_is_named_in_chinese_or_by_an_english_alias(text, role):
    assert Role.parse(text) is role


def test_an_unknown_role_names_the_choices():
    with pytest.raises(ValueError, match="系統管理者"):
        Role.parse("principal")
