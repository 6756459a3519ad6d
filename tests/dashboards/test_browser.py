"""End to end in a real browser: Debian's chromium driven by Playwright against `streamlit run`.

On the sample with a pending, unverified submission: signs in as each role, opens each page from the
menu, checks the Chinese headings and that the headline numbers are the warehouse's, reloads (still
signed in), opens a link to another class in a new tab, follows a link before signing in, downloads a
table and signs out; saves a screenshot of every page under data/screenshots/ (look at them: Chinese
must render as text, not boxes).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest

from dashboards.cli import command_line
from tests.dashboards.conftest import AS_OF, PASSWORD

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "data" / "screenshots"
TITLES = {"overview": "全國總覽", "school": "學校", "classroom": "班級", "my_queue": "我的認證", "teachers": "教師認證",
          "gate": "檢核結果", "submissions": "提交與收訖", "accounts": "帳號管理"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(published_states, users_file):
    if not Path(CHROMIUM).exists() or shutil.which("fc-list") is None:
        pytest.skip("chromium / fonts missing: run `make browser-deps` as root")
    port = free_port()
    environment = {**os.environ, "PORTFOLIO_PUBLISHED": str(published_states["unverified"]), "PORTFOLIO_USERS": str(users_file),
                   "PORTFOLIO_AS_OF": AS_OF.isoformat(), "DO_NOT_TRACK": "1"}
    process = subprocess.Popen(command_line(port), env=environment, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"streamlit did not start: {process.stderr.read().decode(errors='replace')[-2000:]}")
        time.sleep(0.3)
    yield url
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield launched
        launched.close()


def sign_in(browser, url: str, username: str, path: str = ""):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-TW", accept_downloads=True)
    page = context.new_page()
    page.goto(url + path)
    page.get_by_label("帳號").fill(username)
    page.get_by_label("密碼").fill(PASSWORD)
    page.get_by_role("button", name="登入").click()
    page.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)
    return page


def open_page(page, key: str) -> None:
    """Through the menu, then wait until it is drawn."""
    page.locator('[data-testid="stSidebarNav"] a', has_text=TITLES[key]).first.click()
    drawn(page, key)


def drawn(page, key: str) -> None:
    """The page's heading is up, the script has finished (Streamlit marks the app `notRunning`) and every
    chart and table has painted."""
    page.locator("h1", has_text=TITLES[key]).first.wait_for(timeout=60_000)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=60_000)
    for chart in page.locator('[data-testid="stVegaLiteChart"]').all():
        chart.locator("canvas, svg").first.wait_for(timeout=60_000)
    for table in page.locator('[data-testid="stDataFrame"]').all():
        table.locator("canvas").first.wait_for(timeout=60_000)


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    path.unlink(missing_ok=True)
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000
    return path


def metric_value(page, label: str) -> str:
    return page.locator('[data-testid="stMetric"]', has_text=label).first.locator(
        '[data-testid="stMetricValue"]').inner_text().strip()


def test_each_page_in_a_real_browser(server, browser, published, sample):
    con = duckdb.connect(str(published), read_only=True)
    national = con.execute("select count(*) from marts.fct_student_completion where academic_year = ? and term = ?",
                           [sample.year, sample.term]).fetchall()[0][0]
    in_class = con.execute("""
        select count(*) from marts.fct_student_completion
        where school_code = ? and academic_year = ? and term = ? and class_code = ?
    """, [sample.school, sample.year, sample.term, sample.class_code]).fetchall()[0][0]
    con.close()

    authority = sign_in(browser, server, "authority")
    for key in ("overview", "school", "gate", "submissions"):
        open_page(authority, key)
        screenshot(authority, f"authority-{key}")
        if key == "overview":
            assert metric_value(authority, "在學學生") == f"{national:,}"
            assert authority.get_by_text("各縣市完成率").is_visible()
    assert authority.locator('[data-testid="stSidebarNav"] a', has_text="班級").count() == 0
    authority.reload()
    drawn(authority, "submissions")
    assert metric_value(authority, "已提交") == "2 份", "still signed in; the unverified submissions are counted"
    authority.close()

    admin = sign_in(browser, server, "admin")
    for key in ("school", "classroom", "teachers", "gate", "submissions", "accounts"):
        open_page(admin, key)
        screenshot(admin, f"admin-{key}")
        if key == "classroom":
            assert metric_value(admin, "在學學生") == str(in_class)
            assert admin.get_by_text("需要提醒的學生", exact=False).first.is_visible()
            with admin.expect_download() as download:
                admin.get_by_role("button", name="下載 CSV").first.click()
            assert download.value.suggested_filename.endswith(".csv")
            assert "座號" in Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()[0]
    tab = admin.context.new_page()  # a new tab: the session cookie signs it in, the link opens its class
    tab.goto(f"{server}/classroom?class={sample.other_class}")
    drawn(tab, "classroom")
    assert tab.get_by_text(f"（{sample.other_class}）", exact=False).first.is_visible()
    tab.close()
    admin.get_by_role("button", name="登出").click()
    admin.get_by_role("button", name="登入").wait_for(timeout=60_000)
    admin.reload()  # the cookie is gone: still signed out
    admin.get_by_role("button", name="登入").wait_for(timeout=60_000)
    admin.close()

    homeroom = sign_in(browser, server, "homeroom", "/gate")  # a link followed before signing in
    drawn(homeroom, "gate")
    homeroom.close()
    teacher = sign_in(browser, server, "teacher")
    drawn(teacher, "my_queue")
    screenshot(teacher, "teacher-my_queue")
    with teacher.expect_download() as download:
        teacher.get_by_role("button", name="下載 Excel (.xlsx)").first.click()
    assert download.value.suggested_filename.endswith(".xlsx")
    teacher.close()
    for username, first in (("registrar", "school"), ("activities", "school"), ("viewer", "school"),
                            ("counsellor", "classroom")):
        page = sign_in(browser, server, username)
        drawn(page, first)
        screenshot(page, f"{username}-{first}")
        page.close()
