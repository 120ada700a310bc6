"""The back office at 1366x768 in real Chromium: the queue shows at least ten cases above the fold, no list scrolls
sideways, and the reviewer's take next → check → accept → grant takes at most 8 actions.

Actions are counted as in tests/frontoffice/test_clerk_actions.py. "Check" is one look past the first page with the
viewer's Next (the first page and the checklist are on screen when the case opens); paging through every page of a
longer package adds one action per further page. Screenshots go to test-output/backoffice/."""

from pathlib import Path

import pytest

from cases.models import Case
from tests.browser import CHROMIUM_ARGS
from tests.factories import make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OUT = Path(__file__).resolve().parents[2] / "test-output" / "backoffice"


@pytest.fixture
def browser(chromium_path, monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _page(browser, width: int, height: int):
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    page.console_errors = []
    page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
    return page


def _sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "test-password-123")
    page.click("main button.primary")
    page.wait_for_url("**/back/")


def _no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_the_queue_fits_the_screen_and_the_reviewer_takes_a_case_in_eight_actions(live_server, world, browser):
    cases = [make_case(world, Case.Status.SUBMITTED) for _ in range(14)]
    for case in cases[:4]:  # "My cases" with a few in review, to see that list too
        from backoffice import services as back

        back.case_claim(case=case, by=world.specialist2)
    page = _page(browser, 1366, 768)
    _sign_in(page, live_server.url, "specialist")
    page.screenshot(path=OUT / "queue-1366.png")
    rows = page.locator("table.cases tbody tr")
    above = page.evaluate(
        "Array.from(document.querySelectorAll('table.cases tbody tr'))"
        ".filter(r => r.getBoundingClientRect().bottom <= window.innerHeight).length"
    )
    assert rows.count() == 10 and above >= 10, above  # ten waiting (four are held by specialist2)
    first = page.locator("table.cases td.number a").first
    assert len(first.inner_text()) <= 11 and first.get_attribute("title").endswith(first.inner_text())
    heights = page.evaluate("Array.from(document.querySelectorAll('table.cases tbody tr')).map(r => r.offsetHeight)")
    assert max(heights) < 40, heights  # one line per row
    assert _no_sideways_scroll(page)

    count = 0
    page.click(".take-next button")  # take next
    count += 1
    page.wait_for_url("**/back/cases/*/")
    page.click("#viewer-next")  # check: the next page
    count += 1
    page.click("#form-accept button")  # accept the package
    count += 1
    page.wait_for_selector("#form-decide", state="attached")
    page.click("details.action:has(#form-decide) > summary")  # open "Decide"
    page.check("#form-decide input[name=decision][value=granted]")  # grant
    page.click("#form-decide button[type=submit]")  # record it
    count += 3
    page.wait_for_selector(".messages .success")
    page.screenshot(path=OUT / "granted-1366.png")
    decided = Case.objects.get(status=Case.Status.DECIDED)
    assert decided.decision == Case.Decision.GRANTED and decided.assignee == world.specialist
    assert count <= 8

    page.goto(f"{live_server.url}/back/mine/")
    page.screenshot(path=OUT / "mine-1366.png")
    assert _no_sideways_scroll(page)
    assert page.console_errors == []


def test_the_lists_do_not_scroll_sideways_on_a_narrow_screen(live_server, world, browser):
    for _ in range(3):
        make_case(world, Case.Status.SUBMITTED)
    page = _page(browser, 400, 800)
    _sign_in(page, live_server.url, "head")
    page.screenshot(path=OUT / "queue-400.png", full_page=True)
    assert _no_sideways_scroll(page)
    page.goto(f"{live_server.url}/back/mine/")
    assert _no_sideways_scroll(page)
