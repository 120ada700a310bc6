"""The clerk's fifteen actions (issue 16): the standard intake in real Chromium, every action counted.

An action is a click, a keystroke-run into one field (typing a value is one action; pressing Enter after it is
one more), a choice in a list, or a file choice. The path: find a new person by RNOKPP, register them and open a
childbirth case (one screen), upload five pages, submit, print the receipt. It fails above 15.
Screenshots go to test-output/frontoffice/actions-*.png."""

from datetime import date
from pathlib import Path

import pytest

from cases.models import Applicant, Case, ServiceType
from cases.validators import RNOKPP_EPOCH, rnokpp_check_digit
from tests.browser import CHROMIUM_ARGS
from tests.factories import image_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OUT = Path(__file__).resolve().parents[2] / "test-output" / "frontoffice"
BIRTH = date(1991, 3, 14)


def _rnokpp() -> str:
    first_nine = f"{(BIRTH - RNOKPP_EPOCH).days:05d}2468"
    return first_nine + str(rnokpp_check_digit(first_nine))


class Clerk:
    """Playwright's page, counting what the clerk does."""

    def __init__(self, page):
        self.page, self.count, self.log = page, 0, []

    def _did(self, what: str) -> None:
        self.count += 1
        self.log.append(what)

    def type(self, selector: str, value: str) -> None:
        self.page.fill(selector, value)
        self._did(f"type {selector}")

    def enter(self, selector: str) -> None:
        self.page.press(selector, "Enter")
        self._did(f"Enter in {selector}")

    def click(self, selector: str) -> None:
        self.page.click(selector)
        self._did(f"click {selector}")

    def choose(self, selector: str, value: str) -> None:
        self.page.select_option(selector, value)
        self._did(f"choose {selector}")

    def files(self, locator, paths) -> None:
        locator.set_input_files(paths)
        self._did("file choice")


@pytest.fixture
def browser_page(chromium_path, monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
        # Record the print dialog instead of opening one (headless Chromium has none).
        context.add_init_script("window.__printed = 0; window.print = function () { window.__printed += 1; };")
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.console_errors = errors
        yield page
        browser.close()


def _sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "test-password-123")
    page.click("main button.primary")  # signing in is not part of the intake


def test_the_standard_intake_takes_at_most_fifteen_actions(live_server, world, browser_page, tmp_path):
    from playwright.sync_api import expect

    page = browser_page
    childbirth = ServiceType.objects.get(code="childbirth")
    scans = []
    for n in range(5):
        path = tmp_path / f"page-{n}.png"
        path.write_bytes(image_bytes("PNG", size=(300, 420)))
        scans.append(path)
    _sign_in(page, live_server.url, "clerk_a")
    page.wait_for_url("**/front/")

    clerk = Clerk(page)
    clerk.type("#quick-rnokpp", _rnokpp())
    clerk.enter("#quick-rnokpp")  # nobody has it: straight to the registration, the number filled in
    page.wait_for_url("**/front/applicants/new/*")
    expect(page.locator("#id_birth_date")).to_have_value(BIRTH.isoformat())  # from the RNOKPP, in the browser
    expect(page.locator("#id_last_name")).to_be_focused()
    clerk.type("#id_last_name", "Гнатюк")
    clerk.type("#id_first_name", "Марія")
    clerk.type("#id_patronymic", "Степанівна")
    clerk.type("#id_passport_number", "004512378")
    expect(page.locator("#id_passport_kind")).to_have_value("id_card")  # from the number's shape
    clerk.choose("#id_service_type", str(childbirth.pk))
    page.screenshot(path=OUT / "actions-1-register-and-open.png", full_page=True)
    clerk.click("#register button.primary")
    page.wait_for_url("**/front/cases/*/")
    case = Case.objects.get(applicant__last_name="Гнатюк")
    assert case.service_type == childbirth and case.status == Case.Status.DRAFT
    assert Applicant.objects.get(pk=case.applicant_id).birth_date == BIRTH

    items = page.locator("form[data-upload]")
    for index, path in enumerate(scans):
        clerk.files(items.nth(index).locator("input[type=file][multiple]"), path)
        expect(page.locator("#package img")).to_have_count(index + 1, timeout=30_000)
    page.wait_for_selector("#submit-case:not([disabled]), #submit-and-print:not([disabled])", timeout=30_000)
    page.screenshot(path=OUT / "actions-2-ready.png", full_page=True)

    if page.locator("#submit-and-print").count():  # "Submit and print the receipt": one action for both
        clerk.click("#submit-and-print")
        page.wait_for_url("**/receipt/?print=1")
        page.wait_for_function("window.__printed > 0")
        page.screenshot(path=OUT / "actions-3-receipt.png", full_page=True)
    else:  # the case page's own submit button, then its receipt link
        clerk.click("#submit-case")
        page.wait_for_selector(".messages .success")
        with page.expect_download() as download:
            clerk.click(f"a[href$='/front/cases/{case.pk}/receipt.pdf']")
        assert download.value.path().read_bytes().startswith(b"%PDF")
    case.refresh_from_db()
    assert case.status == Case.Status.SUBMITTED
    print(f"clerk's actions: {clerk.count}: {clerk.log}")
    assert clerk.count <= 15, clerk.log
    assert page.console_errors == []


def test_submit_and_print_opens_the_print_dialog_on_the_receipt(live_server, world, browser_page):
    from tests.factories import fill_checklist, make_case

    case = make_case(world)
    fill_checklist(case, world.clerk_a)
    page = browser_page
    _sign_in(page, live_server.url, "clerk_a")
    page.wait_for_url("**/front/")
    # The form of templates/frontoffice/partials/submit_print.html, posted from the case page.
    page.goto(f"{live_server.url}/front/cases/{case.pk}/")
    page.evaluate(
        """([url]) => { const f = document.createElement('form'); f.method = 'post'; f.action = url;
        const t = document.querySelector('input[name=csrfmiddlewaretoken]').cloneNode(); f.appendChild(t);
        document.body.appendChild(f); f.submit(); }""",
        [f"/front/cases/{case.pk}/submit-and-print/"],
    )
    page.wait_for_url("**/receipt/?print=1")
    page.wait_for_function("window.__printed > 0")
    case.refresh_from_db()
    assert case.status == Case.Status.SUBMITTED
    assert case.number in page.locator(".fo-receipt").inner_text()
    page.screenshot(path=OUT / "receipt-page.png", full_page=True)
    page.emulate_media(media="print")
    assert page.locator("header.top").is_hidden()  # the printout is the receipt alone
    assert page.console_errors == []
