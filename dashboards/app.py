"""The dashboards' router: sign-in first, then the pages the signed-in role may use.

Run with `portfolio dashboard` (or `make dashboard`); pages live in views/ and only draw.
"""

import streamlit as st

from dashboards import session
from dashboards.roles import pages_for

PAGES = {  # key → (script, title, icon)
    "overview": ("views/overview.py", "全國總覽", ":material/public:"),
    "school": ("views/school.py", "學校", ":material/school:"),
    "classroom": ("views/classroom.py", "班級", ":material/groups:"),
    "my_queue": ("views/my_queue.py", "我的認證", ":material/task_alt:"),
    "teachers": ("views/teachers.py", "教師認證", ":material/task_alt:"),
    "gate": ("views/gate.py", "檢核結果", ":material/rule:"),
    "submissions": ("views/submissions.py", "提交與收訖", ":material/outbox:"),
    "accounts": ("views/accounts.py", "帳號管理", ":material/manage_accounts:"),
}

st.set_page_config(page_title="學習歷程檔案完成度", page_icon=":material/school:", layout="wide")

user = session.current_user()
if user is None:  # every page's address signs in first, then opens that page (links keep working)
    page = st.navigation([st.Page(session.sign_in_page, title="登入", icon=":material/login:", url_path="signin")] + [
        st.Page(session.sign_in_page, title="登入", url_path=key) for key in PAGES], position="hidden")
else:
    page = st.navigation([
        st.Page(PAGES[key][0], title=PAGES[key][1], icon=PAGES[key][2], url_path=key)
        for key in pages_for(user.role)
    ])
    session.sidebar_account(user)
page.run()
