"""Roles and what each may see (seed document 002's role table, narrowed to the dashboards).

| role | scope | pages |
|---|---|---|
| 系統管理者 | one school: everything in it | 學校, 班級, 教師認證, 檢核結果, 提交與收訖, 帳號管理 (own school's accounts) |
| 導師 | own class (by class code, or as homeroom teacher) | 班級, 檢核結果 (own class's rows) |
| 任課教師 | own certification queue (and items to certify as proxy) | 教師認證 |
| 教育主管機關 | every school, aggregates only: no student rows | 全國總覽, 學校, 檢核結果, 提交與收訖 (counts) |

`dashboards.data` enforces these scopes on every query; the page list only keeps people from clicking
into pages they cannot use.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Role(str, Enum):
    SCHOOL_ADMIN = "系統管理者"
    HOMEROOM_TEACHER = "導師"
    SUBJECT_TEACHER = "任課教師"
    AUTHORITY = "教育主管機關"

    @property
    def label(self) -> str:
        return self.value

    @classmethod
    def parse(cls, text: str) -> Role:
        """A role from its Chinese name or an English alias (admin, homeroom, teacher, authority)."""
        cleaned = (text or "").strip()
        for role in cls:
            if cleaned in (role.value, role.name.lower(), *ROLE_ALIASES[role]):
                return role
        names = "、".join(f"{role.value} ({ROLE_ALIASES[role][0]})" for role in cls)
        raise ValueError(f"未知的角色 {text!r}；可用：{names}")


ROLE_ALIASES: dict[Role, tuple[str, ...]] = {
    Role.SCHOOL_ADMIN: ("admin", "school_admin", "registrar"),
    Role.HOMEROOM_TEACHER: ("homeroom", "homeroom_teacher"),
    Role.SUBJECT_TEACHER: ("teacher", "subject_teacher"),
    Role.AUTHORITY: ("authority", "ministry"),
}


class AccessDenied(PermissionError):
    """The signed-in role may not see what was asked for."""


@dataclass(frozen=True)
class Scope:
    """What one signed-in person may see."""

    role: Role
    school_code: str | None = None
    class_code: str | None = None
    teacher_code: str | None = None

    def __post_init__(self) -> None:
        problem = scope_problem(self.role, self.school_code, self.class_code, self.teacher_code)
        if problem:
            raise ValueError(problem)

    @property
    def sees_student_rows(self) -> bool:
        return self.role is not Role.AUTHORITY

    @property
    def sees_all_schools(self) -> bool:
        return self.role is Role.AUTHORITY

    def describe(self) -> str:
        """The scope in words, for the sidebar and `portfolio users list`."""
        if self.role is Role.AUTHORITY:
            return "全國（僅彙總）"
        parts = [f"學校 {self.school_code}"]
        if self.class_code:
            parts.append(f"班級 {self.class_code}")
        if self.teacher_code:
            parts.append(f"{'導師' if self.role is Role.HOMEROOM_TEACHER else '教師'} {self.teacher_code}")
        return "、".join(parts)


def scope_problem(role: Role, school: str | None, class_code: str | None, teacher: str | None) -> str | None:
    """Why these scope values do not fit the role (None when they do)."""
    if role is Role.AUTHORITY:
        if school or class_code or teacher:
            return "教育主管機關帳號看全國彙總，不設學校、班級或教師"
        return None
    if not school:
        return f"{role.value}帳號必須指定學校代碼 (--school)"
    if role is Role.HOMEROOM_TEACHER and not (class_code or teacher):
        return "導師帳號必須指定班級代碼 (--class) 或導師的教師代碼 (--teacher)"
    if role is Role.SUBJECT_TEACHER and not teacher:
        return "任課教師帳號必須指定教師代碼 (--teacher)"
    if role is Role.SUBJECT_TEACHER and class_code:
        return "任課教師帳號不設班級：看的是自己的認證清單"
    if role is Role.SCHOOL_ADMIN and (class_code or teacher):
        return "系統管理者帳號看全校，不設班級或教師"
    return None


# page key → roles that see it, in menu order
PAGE_ROLES: dict[str, tuple[Role, ...]] = {
    "overview": (Role.AUTHORITY,),
    "school": (Role.AUTHORITY, Role.SCHOOL_ADMIN),
    "classroom": (Role.SCHOOL_ADMIN, Role.HOMEROOM_TEACHER),
    "teachers": (Role.SCHOOL_ADMIN, Role.SUBJECT_TEACHER),
    "gate": (Role.AUTHORITY, Role.SCHOOL_ADMIN, Role.HOMEROOM_TEACHER),
    "submissions": (Role.AUTHORITY, Role.SCHOOL_ADMIN),
    "accounts": (Role.SCHOOL_ADMIN,),
}


def pages_for(role: Role) -> list[str]:
    return [page for page, roles in PAGE_ROLES.items() if role in roles]
