"""The reviewer's journey in a real Chromium: take the next case, page through its documents, ask for information;
the clerk adds a page and resubmits (through the front office's services); the reviewer accepts and grants; the
clerk hands the decision over. Screenshots go to test-output/backoffice-journey/."""

from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from cases.models import Case, InboxMessage
from frontoffice import services as front
from tests import corpus
from tests.browser import CHROMIUM_ARGS
from tests.factories import applicant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
S = Case.Status
SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "backoffice-journey"
ARGS = CHROMIUM_ARGS
# Scans of the corpus for the package: one file per checklist item of the low-income service.
FILES = ["simple.jpg", "multi-page-images.pdf", "simple.png", "simple.tif", "rotated.pdf", "simple-no-dpi.png"]


def sample(name: str) -> ContentFile:
    return front.uploaded(corpus.scan(name), name)


def submitted_case(world) -> Case:
    clerk = world.clerk_a
    case = front.case_open(applicant=applicant(world), service_type=world.service, front_office=world.fo_a, by=clerk)
    for item, name in zip(world.service.checklist.all(), FILES, strict=False):
        front.document_add(case=case, document_type=item.document_types.first(), files=[sample(name)], by=clerk)
    return front.case_submit(case=case, by=clerk)


def wait_for_image(page, seconds: float = 10) -> None:
    """Until the viewer's image has loaded (polled from here: the page's CSP rightly forbids eval, which
    ``wait_for_function`` needs)."""
    for _ in range(int(seconds * 20)):
        if page.evaluate("() => { const i = document.getElementById('viewer-image'); return !!i && i.complete; }"):
            return
        page.wait_for_timeout(50)
    raise AssertionError("the page image did not load")


@pytest.fixture
def browser_page(chromium_path, monkeypatch):
    from playwright.sync_api import sync_playwright

    # The ORM is called from the test between browser steps; Playwright's sync API keeps an event loop running.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        page = context.new_page()
        page.problems = []
        page.on("console", lambda m: page.problems.append(m.text) if m.type == "error" else None)
        page.on("response", lambda r: page.problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        page.on("pageerror", lambda e: page.problems.append(str(e)))
        yield page
        browser.close()


def test_reviewer_journey(world, live_server, browser_page):
    page = browser_page
    case = submitted_case(world)
    pages_total = sum(d.pages.count() for d in case.documents.all())
    assert pages_total >= 8 and not case.documents.filter(pages__status="failed").exists()

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", world.specialist.username)
    page.fill("input[name=password]", "test-password-123")
    page.click("main form button[type=submit]")
    page.goto(f"{live_server.url}/back/")
    assert case.number in page.content()
    page.screenshot(path=str(SHOTS / "01-queue.png"), full_page=True, caret="initial")

    # Take next: the case opens, in review, mine.
    page.click("form.take-next button")
    page.wait_for_url(f"**/back/cases/{case.pk}/")
    assert page.locator("h1 .badge.in_review").count() == 1
    first_src = page.get_attribute("#viewer-image", "src")

    # Page through the documents: keyboard, buttons, a thumbnail; zoom and rotate the view.
    page.locator("#viewer-frame").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.locator("#viewer-caption").inner_text().startswith(f"3 / {pages_total}")
    assert page.get_attribute("#viewer-image", "src") != first_src
    page.click("#viewer-next")
    assert page.locator("#viewer-caption").inner_text().startswith(f"4 / {pages_total}")
    page.click(".strip .page-link >> nth=5")
    wait_for_image(page)
    page.screenshot(path=str(SHOTS / "02-paging.png"), caret="initial")
    page.keyboard.press("r")
    assert "rotate(90deg)" in page.get_attribute("#viewer-image", "style")
    page.screenshot(path=str(SHOTS / "03-rotated.png"), caret="initial")
    width = page.evaluate("document.getElementById('viewer-image').getBoundingClientRect().width")
    page.keyboard.press("+")
    page.keyboard.press("+")
    assert page.evaluate("document.getElementById('viewer-image').getBoundingClientRect().width") > width
    page.screenshot(path=str(SHOTS / "04-zoomed.png"), caret="initial")
    page.keyboard.press("0")
    page.click(".strip .page-link >> nth=-1")
    assert page.locator("#viewer-caption").inner_text().startswith(f"{pages_total} / {pages_total}")
    assert (
        "disabled" in (page.get_attribute("#viewer-next", "aria-disabled") or "")
        or page.get_attribute("#viewer-next", "aria-disabled") == "true"
    )

    # Ask the front office for a better income certificate.
    income = world.service.checklist.get(document_types__code="income")
    page.click("details:has(#form-request-info) > summary")
    page.check(f"#form-request-info input[name=items][value='{income.pk}']")
    page.fill("#form-request-info textarea[name=message]", "The income certificate is cut off: rescan page 2.")
    page.click("#form-request-info button[type=submit]")
    page.wait_for_selector("h1 .badge.needs_info")
    page.screenshot(path=str(SHOTS / "05-information-requested.png"), full_page=True, caret="initial")
    assert InboxMessage.objects.filter(case=case, kind=InboxMessage.Kind.NEEDS_INFO).exists()

    # The clerk adds the page and resubmits (the front office's services).
    document = case.documents.get(document_type__code="income")
    front.document_add(
        case=case, document_type=document.document_type, files=[sample("simple-alpha.png")], by=world.clerk_a
    )
    front.case_resubmit(case=case, by=world.clerk_a, note="rescanned")

    # The reviewer takes it again, accepts the package and grants.
    page.goto(f"{live_server.url}/back/")
    page.click("form.take-next button")
    page.wait_for_url(f"**/back/cases/{case.pk}/")
    assert page.locator(".strip .page-link").count() == pages_total + 1
    page.click("#form-accept button")
    page.wait_for_selector("#form-decide", state="attached")
    page.click("details:has(#form-decide) > summary")
    page.check("#form-decide input[name=decision][value=granted]")
    assert page.locator("#form-decide [data-grounds]").is_hidden()  # a grant cites no refusal grounds
    page.fill("#form-decide textarea[name=reason]", "Income below the guaranteed minimum; entitled.")
    page.click("#form-decide button[type=submit]")
    page.wait_for_selector("h1 .badge.decided")
    page.screenshot(path=str(SHOTS / "06-granted.png"), full_page=True, caret="initial")
    case.refresh_from_db()
    assert (case.status, case.decision, case.assignee) == (S.DECIDED, "granted", world.specialist)
    assert case.accepted_at is not None

    # The clerk hands the decision over; the reviewer sees the whole story.
    front.case_hand_over(case=case, by=world.clerk_a)
    page.reload()
    assert page.locator("h1 .badge.closed").count() == 1
    assert page.locator(".timeline li").count() == case.events.count()
    page.screenshot(path=str(SHOTS / "07-closed.png"), full_page=True, caret="initial")
    assert InboxMessage.objects.filter(case=case, kind=InboxMessage.Kind.DECIDED).exists()
    assert not page.problems, page.problems  # no script errors, no CSP violations
