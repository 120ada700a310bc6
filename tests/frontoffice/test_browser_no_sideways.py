"""No page scrolls sideways (issue 16): each role's main pages, in real Chromium at 400 and 1366 px wide, including
the scan batches, the payments dashboard and the application page with its case table. A wide table may scroll
inside its own box; the page itself never does. Screenshots go to test-output/fit/."""

from pathlib import Path

import pytest

from cases.models import Case
from tests.applications.test_services import open_low_income
from tests.backoffice.test_browser_fit import browser  # noqa: F401  (the Chromium fixture)
from tests.factories import make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OUT = Path(__file__).resolve().parents[2] / "test-output" / "fit"
WIDTHS = (400, 1366)


def _overflow(page) -> dict:
    """The page's width against the window's, and the widest elements that stick out past the right edge."""
    return page.evaluate(
        """() => ({
            scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
            culprits: Array.from(document.querySelectorAll('body *'))
                .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                .slice(0, 5).map(e => e.tagName + '.' + e.className)
        })"""
    )


def _sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "test-password-123")
    page.click("main button.primary")
    page.wait_for_load_state("load")


def test_no_role_s_main_pages_scroll_sideways_at_400_or_1366_px(live_server, world, browser):  # noqa: F811
    OUT.mkdir(parents=True, exist_ok=True)
    for _ in range(3):
        make_case(world, Case.Status.SUBMITTED)
    application = open_low_income(world)
    pages = {
        "clerk_a": ["/front/", "/front/cases/", "/front/scan-batches/", f"/front/applications/{application.pk}/"],
        "specialist": ["/back/", "/back/mine/"],
        "head": ["/back/"],
        "accountant": ["/payments/", "/payments/dashboard/", "/payments/reconcile/", "/payments/rates/"],
    }
    failures = []
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 800})
        page = context.new_page()
        for user, paths in pages.items():
            context.clear_cookies()
            _sign_in(page, live_server.url, user)
            for path in paths:
                response = page.goto(f"{live_server.url}{path}")
                assert response.status == 200, (user, path, response.status)
                name = f"{user}{path.replace('/', '-').rstrip('-')}-{width}.png"
                page.screenshot(path=OUT / name, full_page=True)
                seen = _overflow(page)
                if seen["scroll"] > seen["inner"]:
                    failures.append((user, path, width, seen))
        context.close()
    assert failures == [], "\n".join(map(str, failures))
