"""The clerk's journey in real Chromium: sign in, register an applicant, open a case, upload three files, see the
thumbnails appear without a reload, complete the checklist, submit, download the receipt. Screenshots go to
test-output/frontoffice/."""

from pathlib import Path

import pytest

from cases.models import Case
from tests import corpus
from tests.browser import CHROMIUM_ARGS
from tests.factories import image_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OUT = Path(__file__).resolve().parents[2] / "test-output" / "frontoffice"
ARGS = CHROMIUM_ARGS


@pytest.fixture
def page(chromium_path, monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the ORM is used beside Playwright's event loop
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.console_errors = errors
        yield page
        browser.close()


def test_clerk_takes_a_new_applicant_to_submitted_and_prints_the_receipt(live_server, world, page, tmp_path):
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "clerk_a")
    page.fill("#id_password", "test-password-123")
    page.click("main button.primary")
    page.wait_for_url("**/front/")
    page.screenshot(path=OUT / "1-home.png")

    page.click(".fo-quick a.button.primary")  # "Register an applicant"
    page.wait_for_url("**/front/applicants/new/")
    page.fill("#id_last_name", "Ткаченко")
    page.fill("#id_first_name", "Ірина")
    page.fill("#id_birth_date", "1988-09-30")
    page.fill("#id_rnokpp", "1234567890")  # wrong check digit: a field error first
    page.click("main button.primary")
    assert page.locator(".errorlist").count() >= 1
    page.screenshot(path=OUT / "2-register-error.png", full_page=True)
    page.fill("#id_rnokpp", "")
    page.select_option("#id_passport_kind", "id_card")
    page.fill("#id_passport_number", "004567891")
    page.click("main button.primary")
    page.wait_for_url("**/front/applicants/*/")

    page.select_option("#id_service_type", str(world.service.pk))
    page.click("#open-case button.primary")
    page.wait_for_url("**/front/cases/*/")
    case = Case.objects.get(applicant__last_name="Ткаченко")
    assert case.status == Case.Status.DRAFT

    first_item = page.locator("form[data-upload]").first
    first_item.locator("input[type=file][multiple]").set_input_files(
        [corpus.scan_file(tmp_path, name) for name in ("simple.jpg", "simple.png", "simple.heic")]
    )
    expect(page.locator("#package img")).to_have_count(3, timeout=30_000)
    page.screenshot(path=OUT / "3-three-files-thumbnails.png", full_page=True)
    assert page.locator("#submit-case[disabled]").count() == 1  # the other checklist items are still missing

    items = page.locator("form[data-upload]")
    for index in range(1, items.count() - 1):  # every other checklist item; the last form is "another document"
        path = tmp_path / f"item-{index}.png"
        path.write_bytes(image_bytes("PNG", size=(300, 420)))
        items.nth(index).locator("input[type=file][multiple]").set_input_files(path)
        expect(page.locator("#package img")).to_have_count(3 + index, timeout=30_000)
    page.wait_for_selector("#submit-case:not([disabled])", timeout=30_000)
    page.screenshot(path=OUT / "4-ready-to-submit.png", full_page=True)

    page.click("#submit-case")
    page.wait_for_selector(".messages .success")
    case.refresh_from_db()
    assert case.status == Case.Status.SUBMITTED
    page.screenshot(path=OUT / "5-submitted.png", full_page=True)

    page.click(f"a[href$='/front/cases/{case.pk}/receipt/']")  # the printable receipt page, with the PDF beside it
    expect(page.locator("body")).to_contain_text(case.number)
    pdf_link = page.locator(f"a[href$='/front/cases/{case.pk}/receipt.pdf']")
    response = page.request.get(live_server.url + pdf_link.get_attribute("href"))
    receipt = OUT / "receipt.pdf"
    receipt.write_bytes(response.body())
    assert response.ok and receipt.read_bytes().startswith(b"%PDF")
    assert page.console_errors == []


def test_api_docs_work_offline_under_the_csp(live_server, world, page):
    from playwright.sync_api import expect

    blocked: list[str] = []
    page.on(
        "request", lambda request: blocked.append(request.url) if not request.url.startswith(live_server.url) else None
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "clerk_a")
    page.fill("#id_password", "test-password-123")
    page.click("main button.primary")
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Hromada Intake API", timeout=20_000)
    expect(page.locator("text=/api/v1/cases/{id}/submit/").first).to_be_visible()
    page.screenshot(path=OUT / "api-docs.png")
    assert blocked == [] and page.console_errors == []
