"""Case handling (办件办理) in a real browser: a window clerk asks for a supplement once and, after the applicant
resubmits, accepts the case; the reviewer passes the 审核 step; the approver decides 准予 with electronic
delivery — the demo accounts demo_sl_clerk, demo_sl_examiner and demo_sl_approver. The case is created through the
case engine's services on a private demo server (tests/browser/case_handling_setup.py)."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DEMO_PASSWORD, ROOT, MakePage, _child_env, run_demo_server
from tongban.demo.loader import DEMO_TOTP_SECRETS

pytestmark = pytest.mark.browser


def _shell(data_dir: Path, code: str) -> str:
    done = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=_child_env(data_dir),
                          capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"manage.py shell failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


@pytest.fixture(scope="module")
def case_server(demo_seed: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, str]]:
    """A private demo server whose database holds one submitted 出生登记 case of 石林县公安局."""
    import sqlite3

    data_dir = tmp_path_factory.mktemp("tongban-cases")
    with sqlite3.connect(demo_seed) as source, sqlite3.connect(data_dir / "tongban.sqlite3") as target:
        source.backup(target)
    out = _shell(data_dir, "from tests.browser.case_handling_setup import run; run()")
    number = re.search(r"CASE_NUMBER=(\S+)", out)
    assert number is not None, out
    prepared = data_dir / "prepared.sqlite3"
    with sqlite3.connect(data_dir / "tongban.sqlite3") as source, sqlite3.connect(prepared) as target:
        source.backup(target)
    for base in run_demo_server(prepared, data_dir):
        yield base, data_dir, number.group(1)


@pytest.fixture
def server_url(case_server: tuple[str, Path, str]) -> str:
    return case_server[0]


_last_step: dict[str, int] = {}


def totp_code(username: str) -> str:
    """The account's next unused TOTP code (each code is accepted once)."""
    totp = pyotp.TOTP(DEMO_TOTP_SECRETS[username])
    step = max(totp.timecode(datetime.now()), _last_step.get(username, 0) + 1)
    while step > totp.timecode(datetime.now()) + 1:
        time.sleep(1)
    _last_step[username] = step
    return totp.generate_otp(step)


def log_in(page: Page, username: str) -> None:
    page.goto("/workbench/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="下一步").click()
    page.get_by_label("动态口令").fill(totp_code(username))
    page.get_by_role("button", name="登录").click()


def open_case_from(page: Page, queue: str, number: str) -> None:
    page.get_by_role("navigation", name="办件工作队列").get_by_role("link", name=re.compile(queue)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(queue)
    page.get_by_role("link", name=number).click()
    expect(page.get_by_text(f"办件编号 {number}")).to_be_visible()


def status(page: Page) -> str:
    return page.locator("#case-status").inner_text()


def test_clerk_reviewer_and_approver_carry_a_case_to_an_electronic_approval(
        new_page: MakePage, case_server: tuple[str, Path, str]) -> None:
    _base, data_dir, number = case_server

    # 窗口受理人员, without JavaScript: the case waits in 待受理 (due date written, not only coloured).
    clerk = new_page(javascript=False)
    log_in(clerk, "demo_sl_clerk")
    expect(clerk.get_by_role("heading", level=1)).to_have_text("待受理")
    row = clerk.get_by_role("row", name=re.compile(number))
    expect(row).to_contain_text(re.compile(r"\d{4}-\d{2}-\d{2}（(正常|即将到期|已超期)）"))
    expect(row).to_contain_text("王*明")
    row.get_by_role("link", name=number).click()
    actions = clerk.get_by_role("region", name="可以进行的操作")
    expect(actions.get_by_role("link")).to_have_text(["受理", "不予受理", "补齐补正告知"])
    applicant = clerk.get_by_role("region", name="申请人")
    expect(applicant).to_contain_text("王*明")
    expect(applicant).not_to_contain_text("王晓明")

    # 补齐补正: once, everything at once.
    actions.get_by_role("link", name="补齐补正告知").click()
    first = clerk.locator(".supplement-row").first
    first.get_by_role("checkbox").check()
    first.get_by_role("textbox").fill("复印件不清晰，请重新上传")
    clerk.get_by_role("button", name="一次性告知申请人").click()
    expect(clerk.get_by_role("status").first).to_contain_text("已一次性告知申请人补齐补正")
    expect(clerk.locator("#case-status")).to_have_text("待补齐补正")
    expect(clerk.get_by_role("region", name="补齐补正")).to_contain_text("复印件不清晰，请重新上传")

    assert "RESUBMITTED" in _shell(data_dir, "from tests.browser.case_handling_setup import resubmit; "
                                             f"resubmit({number!r})")

    # The resubmitted case is in 补正已提交; the clerk accepts it.
    open_case_from(clerk, "已补正待处理", number)
    clerk.get_by_role("region", name="可以进行的操作").get_by_role("link", name="受理", exact=True).click()
    clerk.get_by_label("意见").fill("材料齐全，予以受理")
    clerk.get_by_role("button", name="提交").click()
    expect(clerk.locator("#case-status")).to_have_text("已受理")

    # 审核人员: 我的待办 → pass the step with an opinion.
    reviewer = new_page()
    log_in(reviewer, "demo_sl_examiner")
    open_case_from(reviewer, "我的待办", number)
    reviewer.get_by_role("link", name="办理本环节（通过／退回）").click()
    reviewer.get_by_role("radio", name="通过").check()
    reviewer.get_by_label("意见").fill("审核通过")
    reviewer.get_by_role("button", name="提交").click()
    expect(reviewer.locator("#case-status")).to_have_text("审查中")
    expect(reviewer.get_by_role("region", name="可以进行的操作")).to_contain_text("您现在对该办件没有可以进行的操作")

    # 审批人员: decide 准予 with electronic delivery.
    approver = new_page()
    log_in(approver, "demo_sl_approver")
    open_case_from(approver, "我的待办", number)
    approver.get_by_role("link", name="作出决定（准予／不予）").click()
    approver.get_by_role("radio", name="准予").check()
    approver.get_by_label("决定文书名称").fill("准予户口登记决定书")
    approver.get_by_role("radio", name="电子送达").check()
    approver.get_by_role("button", name="下一步").click()
    expect(approver.locator("#case-status")).to_have_text("准予许可")
    decision = approver.get_by_role("region", name="决定与结果")
    expect(decision).to_contain_text("准予户口登记决定书")
    expect(decision).to_contain_text("电子送达")
    timeline = approver.get_by_role("region", name="办理记录")
    for text in ("提交申请", "补齐补正告知", "提交补正材料", "受理", "环节办理（通过）", "作出决定（准予）"):
        expect(timeline).to_contain_text(text)
    expect(timeline).to_contain_text("郑审核（演示）")
