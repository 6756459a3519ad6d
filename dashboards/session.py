"""Who is signed in, and the scoped data access every page starts from.

The signed-in `User` lives in Streamlit's server-side session state (never the password). A reload or a
new tab starts a new Streamlit session: the signed, expiring token (dashboards.tokens) in the
`portfolio_session` cookie signs it in again. Streamlit can read cookies (`st.context.cookies`, those of
the page's first request) but not set them, so a one-line script (`st.html` with JavaScript) writes the
cookie and signing out clears it; the cookie is therefore not HttpOnly. Pages get a
`DataAccess` built for that user's scope from `data_access()`, and wrap their drawing in `guard()` so
that a missing published copy or a scope violation ends the page with a message instead of a trace.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import streamlit as st

from dashboards.config import DashboardConfig
from dashboards.data import DataAccess, PublishedCopyMissing
from dashboards.roles import AccessDenied
from dashboards.tokens import SESSION_COOKIE, SESSION_SECONDS, issue, verify
from dashboards.users import SignInThrottle, User, authenticate

USER_KEY = "portfolio_user"
TOKEN_KEY = "portfolio_token"
SIGNED_OUT_KEY = "portfolio_signed_out"  # this session signed out: the cookie it started with no longer counts
# every browser session of this dashboard process: repeated wrong passwords lock the account name for a while
THROTTLE = SignInThrottle()


def config() -> DashboardConfig:
    return DashboardConfig.resolve()


def current_user() -> User | None:
    """The signed-in account: this session's, else the one the session cookie names."""
    user = st.session_state.get(USER_KEY)
    if isinstance(user, User):
        return user
    if st.session_state.get(SIGNED_OUT_KEY):
        return None
    token = session_cookie()
    user = verify(config().users, token) if token else None
    if user is not None:
        st.session_state[USER_KEY], st.session_state[TOKEN_KEY] = user, token
    return user


def session_cookie() -> str | None:
    """The session cookie the browser sent when this page was loaded."""
    return st.context.cookies.get(SESSION_COOKIE)


def _write_cookie(value: str, max_age: int) -> None:
    secure = "(location.protocol === 'https:' ? '; Secure' : '')"
    st.html(f"<script>document.cookie = '{SESSION_COOKIE}={value}; Max-Age={max_age}; Path=/; SameSite=Strict'"
            f" + {secure};</script>", unsafe_allow_javascript=True, width="content")


def sign_in_page() -> None:
    """The only page before sign-in."""
    left, middle, right = st.columns([1, 1.3, 1])
    with middle:
        st.title("學習歷程檔案完成度")
        st.caption("高級中等學校學生學習歷程檔案：上傳、認證、勾選與提交進度")
        with st.form("sign_in"):
            username = st.text_input("帳號", max_chars=64)
            password = st.text_input("密碼", type="password", max_chars=256)
            submitted = st.form_submit_button("登入", type="primary", width="stretch")
        if submitted:
            locked = THROTTLE.seconds_locked(username)
            user = None if locked else authenticate(config().users, username, password)
            if locked:
                minutes = math.ceil(locked / 60)
                st.error(f"此帳號登入失敗次數過多，已暫停登入；請於 {minutes} 分鐘後再試，或洽系統管理者")
            elif user is None:
                THROTTLE.failed(username)
                st.error("帳號或密碼錯誤")
            else:
                THROTTLE.succeeded(username)
                st.session_state.pop(SIGNED_OUT_KEY, None)
                st.session_state[USER_KEY] = user
                st.session_state[TOKEN_KEY] = issue(config().users, user)
                st.rerun()  # the same address now runs the page it names (a deep link opens after sign-in)
        if st.session_state.get(SIGNED_OUT_KEY):
            _write_cookie("", 0)
        st.caption("帳號由系統管理者以 `portfolio users add` 建立。")


def sign_out() -> None:
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    st.session_state[SIGNED_OUT_KEY] = True


def sidebar_account(user: User) -> None:
    with st.sidebar:
        st.markdown(f"**{user.name}**")
        st.caption(f"{user.role.value}　{user.scope.describe()}")
        st.button("登出", on_click=sign_out, key="sign_out")
        token = st.session_state.get(TOKEN_KEY)
        if token and session_cookie() != token:
            _write_cookie(token, SESSION_SECONDS)


def data_access() -> DataAccess:
    user = current_user()
    if user is None:  # a page opened without the router's sign-in (cannot happen through the app)
        st.error("請先登入")
        st.stop()
    return DataAccess(config().published, user.scope)


@contextmanager
def guard() -> Iterator[None]:
    """Turn the expected failures into a message on the page."""
    try:
        yield
    except AccessDenied as denied:
        st.error(f"權限不足：{denied}")
    except PublishedCopyMissing as missing:
        st.warning(str(missing))
    except duckdb.Error as error:  # e.g. a copy published by an older version, without some table
        st.error(f"讀取已發布資料時發生錯誤：{error}")
