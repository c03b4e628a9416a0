"""Issue 5 in a real browser: the licence issued at the end of a demo case, from the applicant's wallet to a
stranger's phone, to another department's use with consent, to the case's archive.

* 𠮷祥 applies online for 出生登记 at 石林县公安局; the department accepts, reviews and approves it (the decision
  issues a 居民户口簿 licence sealed with the department's seal) and delivers it electronically. The case's sealed
  documents (受理通知书, 准予许可决定书) appear on the applicant's case page.
* In 我的证照 the applicant finds the licence and downloads the PDF: poppler's ``pdfsig`` (trusting only the root
  published at /licenses/root-ca.pem) and pyHanko's validator both call the seal valid, and one changed byte fails.
* 亮证: the dynamic QR code's address is opened in a second browser without login: 有效; opening it again is a
  replay and refused; the wallet lists both verifications.
* 用证授权: 昆明市市场监督管理局's window clerk asks to use two fields; the holder grants one; the clerk's use of
  the granted field gives a sealed, watermarked copy; asking for the other field is refused; the wallet shows both
  uses ("谁用了我的证照").
* The case's archive package verifies on the 电子档案 page and with ``manage.py archive_verify``.

The module has its own demo server and a task worker beside it (documents and archives are made from outbox
events, as in ``make run``).
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from tests.browser.conftest import ROOT, SHILIN, _child_env, run_demo_server
from tests.browser.test_case_journeys import (
    GONGAN,
    ITEMS,
    PERSON,
    People,
    apply_online,
    decide_and_close,
    deliver,
    open_case,
    open_my_case,
)
from tests.licenses.validators import PDFSIG, nss_trusting, pdfsig

pytestmark = pytest.mark.browser

BIRTH = next(item for item in ITEMS if item.name == "出生登记")
HOUSEHOLD = "居民户口簿"
REQUESTER = "demo_km_clerk"  # 昆明市市场监督管理局, window clerk: may ask to use a licence
ARCHIVIST = "demo_sl_gongan"  # 石林县公安局, department administrator: sees the department's archives


@pytest.fixture(scope="module")
def licence_server(demo_seed: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    data_dir = tmp_path_factory.mktemp("tongban-licences")
    servers = run_demo_server(demo_seed, data_dir)
    base = next(servers)
    log = (data_dir / "worker.log").open("wb")
    worker = subprocess.Popen([sys.executable, "manage.py", "run_worker", "--interval", "0.5"], cwd=ROOT,
                              env=_child_env(data_dir), stdout=log, stderr=subprocess.STDOUT)
    try:
        yield base, data_dir
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        log.close()
        next(servers, None)


@pytest.fixture
def server_url(licence_server: tuple[str, Path]) -> str:
    return licence_server[0]


@pytest.fixture(scope="module")
def people(browser: Browser, licence_server: tuple[str, Path]) -> Iterator[People]:
    crowd = People(browser, licence_server[0])
    yield crowd
    crowd.close()


def _manage(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=_child_env(data_dir),
                          capture_output=True, text=True, timeout=300, check=False)


def _eventually(page: Page, check: object, *, seconds: float = 60) -> None:
    """Reload ``page`` until ``check()`` passes: the worker makes documents and archives a moment later."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            check()  # type: ignore[operator]
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)
            page.reload()


def _pyhanko_valid(pdf: bytes, root_pem: str) -> bool:
    """pyHanko's verdict, trusting only ``root_pem``; in a thread of its own, because pyHanko's synchronous API
    runs an event loop and Playwright's already runs one in this thread."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_pyhanko_check, pdf, root_pem).result()


def _pyhanko_check(pdf: bytes, root_pem: str) -> bool:
    from asn1crypto import pem, x509

    roots = [x509.Certificate.load(der) for _kind, _headers, der in pem.unarmor(root_pem.encode(), multiple=True)]
    context = ValidationContext(trust_roots=roots, other_certs=SimpleCertificateStore())
    reader = PdfFileReader(io.BytesIO(pdf))
    status = validate_pdf_signature(reader.embedded_signatures[0], context)
    return bool(status.intact and status.valid and status.trusted)


@pytest.fixture(scope="module")
def delivered(people: People) -> dict[str, str]:
    """The 出生登记 case, applied for, handled and delivered; returns its number and the licence identifier."""
    applicant = people.applicant(PERSON, SHILIN)
    number = apply_online(applicant, BIRTH)
    decide_and_close(people, GONGAN, BIRTH.chain, number, "出生登记准予决定书")
    clerk = people.staff(GONGAN.clerk)
    open_case(clerk, "办件查询", number)
    result = clerk.locator("dd", has_text=HOUSEHOLD)
    identifier = re.search(r"1\.2\.156\.3005\.2\.[0-9A-Z.]+", result.first.inner_text())
    assert identifier, result.first.inner_text()
    deliver(clerk)
    return {"number": number, "identifier": identifier.group(0)}


def _open_licence(page: Page, identifier: str) -> None:
    page.goto("/my/licenses/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("我的证照")
    for link in page.locator("main ul.cases > li > a", has_text=HOUSEHOLD).all():
        link.click()
        if page.locator("dd.number").inner_text().startswith(identifier):
            return
        page.go_back()
    raise AssertionError(f"{identifier} is not in the wallet")


def test_the_case_documents_are_sealed_and_shown_to_the_applicant(people: People, delivered: dict[str, str]) -> None:
    applicant = people.applicant(PERSON, SHILIN)
    open_my_case(applicant, delivered["number"], enterprise=False)
    section = applicant.get_by_role("region", name="办件文书")

    def documents_listed() -> None:
        expect(section).to_contain_text("受理通知书")
        expect(section).to_contain_text("准予许可决定书")
    _eventually(applicant, documents_listed)
    response = applicant.request.get(section.get_by_role("link", name="准予许可决定书").get_attribute("href") or "")
    assert response.ok and response.body().startswith(b"%PDF")


def test_the_issued_licence_verifies_in_pdfsig_and_pyhanko(people: People, delivered: dict[str, str],
                                                          tmp_path: Path) -> None:
    applicant = people.applicant(PERSON, SHILIN)
    _open_licence(applicant, delivered["identifier"])
    expect(applicant.locator(".facts")).to_contain_text("有效")
    expect(applicant.locator(".facts")).to_contain_text(GONGAN.name)
    href = applicant.get_by_role("link", name="下载证照（PDF）").get_attribute("href")
    pdf = applicant.request.get(href or "")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    roots = applicant.request.get("/licenses/root-ca.pem")
    assert roots.ok
    root_pem = roots.text()
    assert _pyhanko_valid(pdf.body(), root_pem)

    if PDFSIG is None:
        pytest.skip("poppler's pdfsig is not installed (CI installs poppler-utils)")
    good, bad = tmp_path / "licence.pdf", tmp_path / "changed.pdf"
    good.write_bytes(pdf.body())
    changed = bytearray(pdf.body())
    at = changed.index(b"stream\n") + 20
    changed[at] ^= 0x01
    bad.write_bytes(bytes(changed))
    nss = nss_trusting(root_pem, tmp_path / "nss-db")
    report = pdfsig(good, nss)
    assert "Signature is Valid" in report, report
    if nss is not None:
        assert "Certificate is Trusted" in report, report
    assert "Signature is Valid" not in pdfsig(bad, nss)
    assert not _pyhanko_valid(bytes(changed), root_pem)


def test_the_qr_code_verifies_once_in_a_second_browser_without_login(
        people: People, delivered: dict[str, str], browser: Browser, licence_server: tuple[str, Path]) -> None:
    applicant = people.applicant(PERSON, SHILIN)
    _open_licence(applicant, delivered["identifier"])
    applicant.get_by_role("link", name="亮证（出示二维码）").click()
    expect(applicant.get_by_role("img", name="亮证二维码")).to_be_visible()
    address = applicant.locator("a.qr-link").get_attribute("href") or ""
    assert "/verify/t/" in address, address

    stranger = browser.new_context(locale="zh-CN", base_url=licence_server[0])
    try:
        phone = stranger.new_page()
        phone.goto(address)
        verdict = phone.locator(".verdict")
        expect(verdict).to_have_text("有效")
        expect(phone.locator("main")).to_contain_text(HOUSEHOLD)
        expect(phone.locator("main")).to_contain_text("𠮷*")  # the holder's name, masked
        expect(phone.locator("main")).not_to_contain_text("𠮷祥")
        phone.goto(address)
        expect(phone.locator("main")).to_contain_text("该二维码已被核验过")
        expect(phone.locator(".verdict")).not_to_have_text("有效")
        phone.goto(f"/verify/{delivered['identifier'][:-1]}{'0' if delivered['identifier'][-1] != '0' else '1'}/")
        expect(phone.locator("main")).to_contain_text("校验位")
    finally:
        stranger.close()

    _open_licence(applicant, delivered["identifier"])
    log = applicant.get_by_role("region", name="被核验记录")
    expect(log).to_contain_text("扫码亮证")
    expect(log).to_contain_text("二维码已使用")


def test_another_department_uses_the_licence_with_consent_and_the_holder_sees_it(
        people: People, delivered: dict[str, str]) -> None:
    clerk = people.staff(REQUESTER)
    clerk.goto("/workbench/license-consents/new/")
    clerk.get_by_label("证照标识").fill(delivered["identifier"])
    clerk.get_by_role("button", name="下一步").click()
    fields = clerk.locator("fieldset input[type=checkbox]")
    expect(fields.first).to_be_visible()
    names = [fields.nth(n).get_attribute("value") or "" for n in range(fields.count())]
    assert len(names) >= 2, names
    for n in range(fields.count()):
        fields.nth(n).uncheck()
    fields.nth(0).check()
    fields.nth(1).check()
    clerk.get_by_label("用证事由").fill("办理食品经营许可核验户籍信息")
    clerk.get_by_label("申请使用至").fill((date.today() + timedelta(days=30)).isoformat())
    clerk.get_by_role("button", name="发送给持证人").click()
    expect(clerk.locator("main")).to_contain_text("待授权")
    consent_url = clerk.url

    applicant = people.applicant(PERSON, SHILIN)
    applicant.goto("/my/licenses/")
    applicant.get_by_role("link", name="昆明市市场监督管理局").first.click()
    expect(applicant.get_by_role("heading", level=1)).to_have_text("用证授权")
    choices = applicant.locator("fieldset input[type=checkbox]")
    choices.nth(1).uncheck()
    choices.nth(0).check()
    applicant.get_by_role("button", name="同意授权").click()
    expect(applicant.locator("main")).to_contain_text("已授权")

    clerk.goto(consent_url)
    expect(clerk.locator("main")).to_contain_text("已授权")
    with clerk.expect_download() as download:
        clerk.get_by_role("button", name="获取用证副本（PDF）").click()
    copy = Path(download.value.path()).read_bytes()
    assert copy.startswith(b"%PDF")
    # a use beyond the granted field: the form is edited to ask for the second field as well
    clerk.goto(consent_url)
    clerk.locator("form.account-form").evaluate(
        "(form, name) => { const box = document.createElement('input'); box.type = 'checkbox'; box.name = 'fields';"
        " box.value = name; box.checked = true; form.appendChild(box); }", names[1])
    clerk.get_by_role("button", name="获取用证副本（PDF）").click()
    expect(clerk.get_by_role("alert")).to_be_visible()

    _open_licence(applicant, delivered["identifier"])
    uses = applicant.get_by_role("region", name="谁用了我的证照")
    expect(uses).to_contain_text("昆明市市场监督管理局")
    expect(uses).to_contain_text("已使用")
    expect(uses).to_contain_text("已拒绝")


def test_the_case_archive_verifies(people: People, delivered: dict[str, str],
                                   licence_server: tuple[str, Path]) -> None:
    admin = people.staff(ARCHIVIST)
    admin.goto(f"/workbench/archives/?case_number={delivered['number']}")

    def archived() -> None:
        expect(admin.locator("main")).to_contain_text(delivered["number"])
    _eventually(admin, archived)
    admin.get_by_role("link", name=delivered["number"]).first.click()
    files = admin.get_by_role("region", name=re.compile("清单"))
    expect(files).to_contain_text("metadata.json")
    expect(files).to_contain_text("licenses/")
    expect(files).to_contain_text("documents/")
    admin.get_by_role("link", name="校验", exact=True).click()
    admin.get_by_role("button", name=re.compile("校验")).click()
    expect(admin.locator("main")).to_contain_text("完整")
    done = _manage(licence_server[1], "archive_verify", "--case-number", delivered["number"])
    assert done.returncode == 0, done.stdout + done.stderr

