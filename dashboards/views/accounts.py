"""帳號管理: the school's administrator adds accounts, disables them, resets passwords and changes scopes."""

import streamlit as st

from dashboards import session
from dashboards.data import PublishedCopyMissing, scope_unknowns
from dashboards.roles import Role
from dashboards.users import User, UsersFileError, add_user, generate_password, list_users, update_user

st.title("帳號管理")
admin = session.current_user()
users_file = session.config().users
# every role of a school's own staff, the most common first (教育主管機關 accounts are not the school's to give)
ROLES = [Role.HOMEROOM_TEACHER, Role.SUBJECT_TEACHER, Role.COUNSELLOR, Role.REGISTRAR, Role.ACTIVITIES, Role.VIEWER,
         Role.SCHOOL_ADMIN]
COLUMNS = {"username": "帳號", "display_name": "顯示名稱", "role": "角色", "scope": "範圍", "state": "狀態"}


def problem(user: User) -> str | None:
    """Why this account cannot be saved (None: it can)."""
    try:
        unknown = scope_unknowns(session.config().published, user.scope)
    except ValueError as error:
        return str(error)
    except PublishedCopyMissing as missing:
        return f"{missing}；帳號範圍須對照已發布的資料"
    return "；".join(unknown) or None


def saved(message: str, password: str | None = None) -> None:
    st.success(message + (f"　密碼（只顯示這一次，請轉交本人）：`{password}`" if password else ""))


with session.guard():
    school = admin.school_code
    try:
        accounts = [user for user in list_users(users_file) if user.school_code == school]
    except UsersFileError as error:
        st.error(str(error))
        st.stop()
    st.caption(f"學校 {school} 的儀表板帳號；密碼只在建立或重設時顯示一次")
    st.dataframe([{"username": user.username, "display_name": user.display_name or "", "role": user.role.value,
                   "scope": user.scope.describe(), "state": "停用" if user.disabled else "啟用"} for user in accounts],
                 column_config=COLUMNS, hide_index=True)

    left, right = st.columns(2)
    with left, st.form("account_add", clear_on_submit=True):
        st.subheader("新增帳號")
        username = st.text_input("帳號", max_chars=32, help="2–32 個英數字、點、底線或連字號")
        name = st.text_input("顯示名稱", max_chars=32)
        role = st.selectbox("角色", ROLES, format_func=lambda value: value.value, key="account_role")
        class_code = st.text_input("班級代碼（導師）", max_chars=16, help="課程諮詢教師看一個班時也填班級代碼")
        teacher = st.text_input("教師代碼（任課教師；導師可填）", max_chars=16,
                                help="課程諮詢教師填自己的教師代碼：看本學年諮詢過的學生")
        if st.form_submit_button("新增", type="primary"):
            user = User(username.strip(), role, school, class_code.strip() or None, teacher.strip() or None,
                        name.strip() or None)
            why = problem(user)
            if why:
                st.error(why)
            else:
                try:
                    password = generate_password()
                    add_user(users_file, user, password)
                    saved(f"已新增帳號 {user.username}（{user.role.value}，{user.scope.describe()}）", password)
                except UsersFileError as error:
                    st.error(str(error))

    others = [user for user in accounts if user.username != admin.username]
    with right:
        st.subheader("變更帳號")
        if not others:
            st.info("本校尚無其他帳號。")
        else:
            chosen = st.selectbox("帳號", others, format_func=lambda user: f"{user.username}　{user.scope.describe()}",
                                  key="account_pick")
            with st.form("account_change"):
                class_code = st.text_input("班級代碼", value=chosen.class_code or "", max_chars=16)
                teacher = st.text_input("教師代碼", value=chosen.teacher_code or "", max_chars=16)
                disabled = st.checkbox("停用", value=chosen.disabled)
                reset = st.checkbox("重設密碼")
                if st.form_submit_button("儲存"):
                    user = User(chosen.username, chosen.role, school, class_code.strip() or None,
                                teacher.strip() or None, chosen.display_name, disabled)
                    why = problem(user)
                    if why:
                        st.error(why)
                    else:
                        password = generate_password() if reset else None
                        update_user(users_file, user, password=password)
                        saved(f"已更新帳號 {user.username}（{user.scope.describe()}{'，已停用' if disabled else ''}）",
                              password)
