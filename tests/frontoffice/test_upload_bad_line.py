"""Uploads on a bad line, in real Chromium: a send that fails says so and can be retried, one refused file in a
choice does not sink the good ones, leaving mid-upload asks first, polling that cannot reach the server shows a
notice, and a photo larger than an A4 page at 300 dpi is reduced in the browser before it is sent."""

import io
import os
import re
from pathlib import Path

import pytest
from PIL import Image

from cases.models import SourceFile
from tests.browser import CHROMIUM_ARGS
from tests.factories import image_bytes, make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OUT = Path(__file__).resolve().parents[2] / "test-output" / "frontoffice"
TUS = re.compile(r".*/api/v1/uploads/.*")  # the resumable path the page tries first


@pytest.fixture
def page(chromium_path, monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
        yield page
        browser.close()


def _open_case(page, base, world):
    case = make_case(world)
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "clerk_a")
    page.fill("#id_password", "test-password-123")
    page.click("main button.primary")
    page.wait_for_url("**/front/")
    page.goto(f"{base}/front/cases/{case.pk}/")
    return case


def test_a_failed_send_is_not_called_refused_and_can_be_retried(live_server, world, page, tmp_path):
    from playwright.sync_api import expect

    case = _open_case(page, live_server.url, world)
    scan = tmp_path / "scan.png"
    scan.write_bytes(image_bytes("PNG", size=(300, 420)))
    upload_url = f"**/front/cases/{case.pk}/documents/"
    page.route(upload_url, lambda route: route.abort("internetdisconnected"))
    page.route(TUS, lambda route: route.abort("internetdisconnected"))
    item = page.locator("form[data-upload]").first
    item.locator("input[type=file][multiple]").set_input_files(scan)
    failed = item.locator(".fo-progress li.bad")
    expect(failed).to_contain_text("не надіслано", timeout=30_000)  # after the resumable client's own retries
    expect(failed).not_to_contain_text("не прийнято")
    assert page.evaluate("window.onbeforeunload === null")  # nothing in flight any more
    page.screenshot(path=OUT / "upload-not-sent.png")
    page.unroute(upload_url)
    page.unroute(TUS)
    failed.get_by_role("button", name="Повторити").click()
    expect(item.locator(".fo-progress li.ok")).to_have_count(1)
    expect(page.locator("#package img")).to_have_count(1, timeout=30_000)
    assert case.documents.count() == 1


def test_one_refused_file_does_not_sink_the_good_ones(live_server, world, page, tmp_path):
    from playwright.sync_api import expect

    case = _open_case(page, live_server.url, world)
    good = tmp_path / "good.png"
    good.write_bytes(image_bytes("PNG", size=(300, 420)))
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"<html><script>alert(1)</script></html>")  # posing as an image
    item = page.locator("form[data-upload]").first
    item.locator("input[type=file][multiple]").set_input_files([good, bad])
    expect(item.locator(".fo-progress li.ok")).to_have_count(1, timeout=30_000)
    expect(item.locator(".fo-progress li.bad")).to_have_count(1)
    expect(item.locator(".fo-progress li.bad")).to_contain_text("bad.png")
    page.screenshot(path=OUT / "upload-one-refused.png")
    assert SourceFile.objects.filter(case=case).count() == 1


def test_leaving_mid_upload_asks_first(live_server, world, page, tmp_path):
    case = _open_case(page, live_server.url, world)
    scan = tmp_path / "scan.png"
    scan.write_bytes(image_bytes("PNG", size=(300, 420)))
    page.route(f"**/front/cases/{case.pk}/documents/", lambda route: None)  # the request hangs, as on a bad line
    page.route(TUS, lambda route: None)
    page.locator("form[data-upload]").first.locator("input[type=file][multiple]").set_input_files(scan)
    page.wait_for_selector(".fo-progress li")
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.evaluate("window.location.href = '/front/'")  # navigating away fires beforeunload
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]


def test_polling_that_cannot_reach_the_server_shows_a_notice(live_server, world, page):
    from playwright.sync_api import expect

    case = _open_case(page, live_server.url, world)
    page.route(f"**/front/cases/{case.pk}/package/*", lambda route: route.abort("internetdisconnected"))
    page.route(f"**/front/cases/{case.pk}/package/", lambda route: route.abort("internetdisconnected"))
    page.evaluate("document.body.dispatchEvent(new CustomEvent('package-changed', {bubbles: true}))")
    expect(page.locator(".fo-offline")).to_be_visible()
    page.screenshot(path=OUT / "upload-offline.png")
    page.unroute(f"**/front/cases/{case.pk}/package/*")
    page.unroute(f"**/front/cases/{case.pk}/package/")
    page.evaluate("document.body.dispatchEvent(new CustomEvent('package-changed', {bubbles: true}))")
    expect(page.locator(".fo-offline")).to_have_count(0)


def test_a_photo_larger_than_a4_is_reduced_before_upload_and_a_sensible_one_is_not(live_server, world, page, tmp_path):
    from playwright.sync_api import expect

    case = _open_case(page, live_server.url, world)
    big = tmp_path / "phone.jpg"
    # A phone photo: 12 megapixels, 5 MB. (Mild noise keeps the reduced copy under Django's 2.5 MB in-memory
    # upload limit: a page that large hits the server's temp-file path, which is reported separately.)
    gradient = Image.linear_gradient("L").resize((4000, 3000))
    photo = Image.merge("RGB", (gradient, Image.effect_noise((4000, 3000), 6), gradient))
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG", quality=97)
    big.write_bytes(buffer.getvalue())
    fine = tmp_path / "page.jpg"
    small = Image.frombytes("RGB", (1240, 1754), os.urandom(1240 * 1754 * 3))  # an A4 page at 150 dpi
    buffer = io.BytesIO()
    small.save(buffer, "JPEG", quality=80)
    fine.write_bytes(buffer.getvalue())
    items = page.locator("form[data-upload]")
    items.nth(0).locator("input[type=file][multiple]").set_input_files(big)
    expect(page.locator("#package img")).to_have_count(1, timeout=60_000)
    items.nth(1).locator("input[type=file][multiple]").set_input_files(fine)
    expect(page.locator("#package img")).to_have_count(2, timeout=60_000)
    sources = {s.original_name: s for s in SourceFile.objects.filter(case=case)}
    reduced = sources["phone.jpg"]
    assert reduced.size < big.stat().st_size
    page_image = case.documents.order_by("pk").first().pages.get()
    assert max(page_image.width, page_image.height) <= 3508 and min(page_image.width, page_image.height) <= 2480
    assert sources["page.jpg"].size == fine.stat().st_size  # already a sensible page: sent as it was
