"""The clerk's case page uploads resumably (tus), in real Chromium: the files land as pages of one document, and a
connection cut mid-upload (by a local TCP proxy between the browser and the server) resumes from the server's
offset instead of starting again."""

import hashlib
import io
import os
from pathlib import Path

import pytest
from PIL import Image

from cases.models import SourceFile
from tests.browser import CHROMIUM_ARGS
from tests.factories import make_case
from tests.uploads.tusclient import CuttingProxy
from uploads.models import ResumableUpload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OUT = Path(__file__).resolve().parents[2] / "test-output" / "frontoffice"


@pytest.fixture
def page(chromium_path, monkeypatch, settings, tmp_path):
    from playwright.sync_api import sync_playwright

    settings.TUS_PARTS_DIR = tmp_path / "parts"
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
        yield page
        browser.close()


def _sign_in_and_open(page, base, case):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "clerk_a")
    page.fill("#id_password", "test-password-123")
    page.click("main button.primary")
    page.wait_for_url("**/front/")
    page.goto(f"{base}/front/cases/{case.pk}/")


def _scan(path: Path) -> bytes:
    """An A4 page at 150 dpi of noise (about 1 MB as JPEG): within the A4 box, so the browser sends it unchanged."""
    im = Image.frombytes("RGB", (1240, 1754), os.urandom(1240 * 1754 * 3))
    buffer = io.BytesIO()
    im.save(buffer, "JPEG", quality=80)
    path.write_bytes(buffer.getvalue())
    return buffer.getvalue()


def test_two_files_go_up_by_tus_and_become_one_document(live_server, world, page, tmp_path):
    from playwright.sync_api import expect

    case = make_case(world)
    _sign_in_and_open(page, live_server.url, case)
    first, second = tmp_path / "front.jpg", tmp_path / "back.jpg"
    data = [_scan(first), _scan(second)]
    page.locator("form[data-upload]").first.locator("input[type=file][multiple]").set_input_files([first, second])
    expect(page.locator("#package img")).to_have_count(2, timeout=60_000)
    page.screenshot(path=OUT / "upload-tus-two-pages.png", full_page=True)
    finished = ResumableUpload.objects.filter(case=case).exclude(finished_at=None)
    assert finished.count() == 2  # both went by tus, not the multipart form
    document = case.documents.get()
    sources = [p.source for p in document.pages.order_by("position")]
    assert [s.original_name for s in sources] == ["front.jpg", "back.jpg"]
    assert [s.sha256 for s in sources] == [hashlib.sha256(d).hexdigest() for d in data]


def test_a_connection_cut_mid_upload_resumes_where_the_server_stopped(live_server, world, page, tmp_path):
    from playwright.sync_api import expect

    case = make_case(world)
    proxy = CuttingProxy(live_server.url)
    try:
        _sign_in_and_open(page, proxy.url, case)
        scan = tmp_path / "scan.jpg"
        data = _scan(scan)
        with proxy.lock:  # from here on: cut the line when half the file has gone up
            proxy.cuts = [proxy.upstream_bytes + len(data) // 2]
            before = proxy.upstream_bytes
        page.locator("form[data-upload]").first.locator("input[type=file][multiple]").set_input_files(scan)
        expect(page.locator("#package img")).to_have_count(1, timeout=60_000)
        assert len(proxy.cut_at) == 1
        # Resumed, not restarted: what crossed the line is the file once plus the requests' headers and the bytes
        # in flight at the cut (a restart would have sent at least half the file again).
        assert proxy.upstream_bytes - before < len(data) + len(data) // 4
    finally:
        proxy.close()
    upload = ResumableUpload.objects.get(case=case)
    assert upload.finished_at is not None and upload.sha256 == hashlib.sha256(data).hexdigest()
    assert SourceFile.objects.get(case=case).sha256 == upload.sha256


def test_a_scanned_stack_on_the_batch_page_resumes_after_a_cut_and_is_routed(live_server, world, page, tmp_path):
    from frontoffice.models import ScanBatch
    from tests.frontoffice.batches.stacks import content, cover, stack_pdf

    case = make_case(world)
    stack = tmp_path / "stack.pdf"
    data = stack_pdf([cover(case)] + [content(f"page {n}") for n in range(1, 4)])
    stack.write_bytes(data)
    proxy = CuttingProxy(live_server.url)
    try:
        _sign_in_and_open(page, proxy.url, case)
        page.goto(f"{proxy.url}/front/scan-batches/")
        with proxy.lock:
            proxy.cuts = [proxy.upstream_bytes + len(data) // 2]
        page.set_input_files("#id_files", str(stack))
        page.click("main button.primary")
        page.wait_for_url("**/front/scan-batches/*/", timeout=60_000)
        page.wait_for_selector("table.batch-pages", timeout=60_000)
        assert len(proxy.cut_at) == 1
    finally:
        proxy.close()
    page.screenshot(path=OUT / "batch-tus-routed.png", full_page=True)
    batch = ScanBatch.objects.get()
    upload = ResumableUpload.objects.get(kind="batch")
    assert upload.result_id == batch.pk and upload.sha256 == hashlib.sha256(data).hexdigest()
    assert case.documents.get().pages.count() == 3


def test_without_the_tus_client_or_endpoint_the_page_falls_back_to_multipart(live_server, world, page, tmp_path):
    from playwright.sync_api import expect

    case = make_case(world)
    _sign_in_and_open(page, live_server.url, case)
    page.route("**/js/vendor/tus*", lambda route: route.abort("internetdisconnected"))  # the client cannot load
    first = tmp_path / "first.jpg"
    _scan(first)
    items = page.locator("form[data-upload]")
    items.nth(0).locator("input[type=file][multiple]").set_input_files(first)
    expect(page.locator("#package img")).to_have_count(1, timeout=60_000)
    page.unroute("**/js/vendor/tus*")
    # The client loads now, but the endpoint is not there (a proxy that drops PATCH and POST, an old server): 404.
    page.route("**/api/v1/uploads/**", lambda route: route.fulfill(status=404, body="Not Found"))
    second = tmp_path / "second.jpg"
    _scan(second)
    items.nth(1).locator("input[type=file][multiple]").set_input_files(second)
    expect(page.locator("#package img")).to_have_count(2, timeout=60_000)
    assert not ResumableUpload.objects.exists()
    assert SourceFile.objects.filter(case=case).count() == 2
