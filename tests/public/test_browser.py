"""The applicant's side in a phone-sized Chromium (360×740): receipt + phone → code from the outbox → the case and
who looked at it; then the request-for-information link: two photos sent from the phone page (tus in the
browser), and the clerk resubmits. Screenshots go to test-output/public/."""

import re
from pathlib import Path

import pytest

from backoffice import services as back
from cases.models import Case, Page, SourceFile
from cases.services import access_log_record
from notifications import services as notify
from notifications.models import Message
from tests.browser import CHROMIUM_ARGS
from tests.factories import image_bytes, make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OUT = Path(__file__).resolve().parents[2] / "test-output" / "public"


@pytest.fixture
def phone(chromium_path, monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.console_errors = errors
        yield page
        browser.close()


def test_a_person_follows_their_case_and_sends_two_photos_from_a_phone(live_server, world, phone, tmp_path, settings):
    settings.TUS_PARTS_DIR = tmp_path / "parts"
    settings.PUBLIC_BASE_URL = live_server.url
    case = make_case(world, Case.Status.IN_REVIEW)
    notify.contact_set(applicant=case.applicant, by=world.clerk_a, phone="067 123 45 67", consent=True)
    access_log_record(user=world.specialist, case=case, what="page", object_id=1)

    phone.goto(f"{live_server.url}/status/")
    phone.screenshot(path=str(OUT / "status-start.png"), full_page=True)
    phone.fill("#id_receipt", case.number)
    phone.fill("#id_phone", "067 123 45 67")
    phone.click("button[type=submit]:not([name=language])")
    code = re.search(r"\b(\d{6})\b", Message.objects.filter(template="status_code").latest("pk").text).group(1)
    outbox = phone.context.new_page()
    outbox.goto(f"{live_server.url}/_outbox/")
    assert code in outbox.content()
    outbox.screenshot(path=str(OUT / "outbox.png"), full_page=True)
    outbox.close()
    phone.screenshot(path=str(OUT / "status-code.png"), full_page=True)
    phone.fill("#id_code", code)
    phone.click("button[type=submit]:not([name=language])")
    phone.wait_for_url("**/status/cases/")
    text = phone.inner_text("main")
    assert case.number in text and world.bo1.name in text
    phone.screenshot(path=str(OUT / "status.png"), full_page=True)

    back.case_request_info(case=case, by=world.specialist, message="income certificate, both pages")
    link = re.search(r"(/status/upload/[^/\s]+/)", Message.objects.get(case=case, template="info_requested").text)
    phone.goto(live_server.url + link.group(1))
    assert "income certificate" in phone.inner_text("main")
    photos = []
    for n in (1, 2):
        path = tmp_path / f"photo{n}.png"
        path.write_bytes(image_bytes(size=(600, 800)))
        photos.append(str(path))
    before = SourceFile.objects.filter(case=case).count()
    phone.set_input_files("#id_files", photos)
    phone.screenshot(path=str(OUT / "phone-upload-chosen.png"), full_page=True)
    phone.click("form[data-tus-link] button[type=submit]")
    phone.wait_for_selector("p.note[role=status]", timeout=30_000)
    phone.screenshot(path=str(OUT / "phone-upload.png"), full_page=True)
    assert SourceFile.objects.filter(case=case).count() == before + 2
    sent = Page.objects.filter(source__original_name__in=["photo1.png", "photo2.png"], document__case=case)
    assert sent.values("document").distinct().count() == 1  # the two photos are one document, in order
    assert [p.source.original_name for p in sent.order_by("position")] == ["photo1.png", "photo2.png"]
    assert phone.console_errors == []
    # The clerk is told (the front office's inbox), sees the two pages in the case and resubmits from its page.
    clerk = phone.context.browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    clerk.goto(f"{live_server.url}/accounts/login/")
    clerk.fill("#id_username", "clerk_a")
    clerk.fill("#id_password", "test-password-123")
    clerk.click("main button.primary")
    clerk.wait_for_url("**/front/")
    clerk.goto(f"{live_server.url}/front/cases/{case.pk}/")
    assert clerk.locator("#package img").count() == Page.objects.filter(document__case=case).count()
    assert "Заявник надіслав сторінки з телефона" in clerk.inner_text(".timeline")  # the timeline in words
    assert "phone_upload" not in clerk.inner_text("body")
    clerk.screenshot(path=str(OUT / "clerk-case-after-phone.png"), full_page=True)
    clerk.click(f"form[action$='/front/cases/{case.pk}/resubmit/'] button[type=submit]")
    clerk.wait_for_selector(".messages .success")
    case.refresh_from_db()
    assert case.status == Case.Status.SUBMITTED
    phone.goto(live_server.url + link.group(1))
    assert "closed" in phone.inner_text("main") or phone.locator(".error").count() == 1
