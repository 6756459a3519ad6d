"""Roles and what each may see (seed document 002's role table, narrowed to the dashboards).

| role | scope | pages |
|---|---|---|
| 系統管理者 | one school: everything in it; submits as 註冊組 (the registrar) | 學校, 班級, 教師認證, 檢核結果, 提交與收訖, 帳號管理 (own school's accounts) |
| 註冊組 | one school: everything in it; submits the 註冊組's 名冊 | 學校, 班級, 教師認證, 檢核結果, 提交與收訖 |
| 訓育組 | one school: everything in it; submits the 訓育組's 名冊 (幹部, 多元表現) | 學校, 班級, 檢核結果, 提交與收訖 |
| 資料查詢人員 | one school, read only: no actions (no submitting, no accounts) | 學校, 班級, 教師認證, 檢核結果, 提交與收訖 |
| 導師 | own class (by class code, or as homeroom teacher) | 班級, 檢核結果 (own class's rows) |
| 課程諮詢教師 | own advisees (課程諮詢 records of the year) or a class, read only | 班級 |
| 任課教師 | own certification queue (and items to certify as proxy) | 我的認證 |
| 教育主管機關 | every school, aggregates only: no student rows | 全國總覽, 學校, 檢核結果, 提交與收訖 (counts) |

Which unit submits which 名冊 is seeds/xwalk_roster_owner_units.csv; a role's `unit` names one of its units
(tests/dashboards/test_roles.py holds the two together).

`dashboards.data` enforces these scopes on every query; the page list only keeps people from clicking
into pages they cannot use.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Role(str, Enum):
    SCHOOL_ADMIN = "系統管理者"
    REGISTRAR = "註冊組"
    ACTIVITIES = "訓育組"
    VIEWER = "資料查詢人員"
    HOMEROOM_TEACHER = "導師"
    COUNSELLOR = "課程諮詢教師"
    SUBJECT_TEACHER = "任課教師"
    AUTHORITY = "教育主管機關"

    @property
    def label(self) -> str:
        return self.value

    @property
    def unit(self) -> str | None:
        """The unit (處室) whose 名冊 this role submits; None: the role submits nothing."""
        return SUBMITTING_UNITS.get(self)

    @property
    def sees_whole_school(self) -> bool:
        """Every class, teacher and student row of the own school."""
        return self in SCHOOL_STAFF

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
    Role.SCHOOL_ADMIN: ("admin", "school_admin"),
    Role.REGISTRAR: ("registrar", "registry"),
    Role.ACTIVITIES: ("activities", "student_activities"),
    Role.VIEWER: ("viewer", "read_only"),
    Role.HOMEROOM_TEACHER: ("homeroom", "homeroom_teacher"),
    Role.COUNSELLOR: ("counsellor", "counselor"),
    Role.SUBJECT_TEACHER: ("teacher", "subject_teacher"),
    Role.AUTHORITY: ("authority", "ministry"),
}
# today's 系統管理者 is the registrar: its accounts keep submitting what they always did (the 註冊組's 名冊)
SUBMITTING_UNITS: dict[Role, str] = {Role.SCHOOL_ADMIN: "註冊組", Role.REGISTRAR: "註冊組", Role.ACTIVITIES: "訓育組"}
SCHOOL_STAFF = (Role.SCHOOL_ADMIN, Role.REGISTRAR, Role.ACTIVITIES, Role.VIEWER)


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
            who = {Role.HOMEROOM_TEACHER: "導師", Role.COUNSELLOR: "諮詢教師"}.get(self.role, "教師")
            parts.append(f"{who} {self.teacher_code}")
        if self.role is Role.VIEWER:
            parts.append("唯讀")
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
    if role is Role.COUNSELLOR and not (class_code or teacher):
        return "課程諮詢教師帳號必須指定自己的教師代碼 (--teacher，看諮詢過的學生) 或班級代碼 (--class)"
    if role in SCHOOL_STAFF and (class_code or teacher):
        return f"{role.value}帳號看全校，不設班級或教師"
    return None


# page key → roles that see it, in menu order
PAGE_ROLES: dict[str, tuple[Role, ...]] = {
    "overview": (Role.AUTHORITY,),
    "school": (Role.AUTHORITY, *SCHOOL_STAFF),
    "classroom": (*SCHOOL_STAFF, Role.HOMEROOM_TEACHER, Role.COUNSELLOR),
    "my_queue": (Role.SUBJECT_TEACHER,),
    "teachers": (Role.SCHOOL_ADMIN, Role.REGISTRAR, Role.VIEWER),
    "gate": (Role.AUTHORITY, *SCHOOL_STAFF, Role.HOMEROOM_TEACHER),
    "submissions": (Role.AUTHORITY, *SCHOOL_STAFF),
    "accounts": (Role.SCHOOL_ADMIN,),
}


def pages_for(role: Role) -> list[str]:
    return [page for page, roles in PAGE_ROLES.items() if role in roles]
