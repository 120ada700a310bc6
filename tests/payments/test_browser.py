"""In Chromium: the accountant filters a month's statements (HTMX, in place) and the dashboard draws its charts."""

from datetime import date
from pathlib import Path

import pytest

from cases import clock
from payments.services.statements import statement_issue_month
from tests.browser import CHROMIUM_ARGS
from tests.payments.conftest import accepted, kyiv

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARGS = CHROMIUM_ARGS
OUT = Path("test-output/payments")


def test_statements_filter_in_place_and_the_dashboard_renders_its_charts(
    world, rate, budget, live_server, chromium_path
):
    from playwright.sync_api import sync_playwright

    for month, days in ((4, (3, 9, 17)), (5, (4, 5, 6, 20))):
        for n, day in enumerate(days):
            accepted(world, kyiv(2026, month, day, 12), community="abc"[n % 3])
    with clock.travel_to(kyiv(2026, 5, 2, 9)):
        statement_issue_month(period=date(2026, 4, 1))
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        problems = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.goto(f"{live_server.url}/accounts/login/?next=/payments/%3Fperiod%3D2026-04")
        page.fill("#id_username", "accountant")
        page.fill("#id_password", "test-password-123")
        page.click("form button.primary")
        page.wait_for_selector("table.statements")
        assert page.locator("table.statements tbody tr").count() == 3
        page.select_option("#id_status", "issued")  # HTMX swaps the results and pushes the URL
        page.wait_for_url("**status=issued**")
        page.wait_for_selector("#results")
        assert page.locator("table.statements tbody tr").count() == 3
        page.select_option("#id_status", "paid")
        page.wait_for_selector("#results .empty")

        page.goto(f"{live_server.url}/payments/dashboard/?year=2026&period=2026-05")
        page.wait_for_selector("figure.chart svg")
        charts = page.locator("figure.chart svg")
        assert charts.count() == 5
        assert page.locator("#fees-per-month rect.bar").count() == 12
        assert page.locator("#fees-per-back-office rect.bar").count() == 2
        assert page.locator("#budget-burn-down polyline").count() == 3
        assert page.locator("#intakes-per-community rect.bar").count() == 3
        box = page.locator("#fees-per-month svg").bounding_box()
        assert box["width"] > 300 and box["height"] > 100  # drawn, not collapsed
        page.screenshot(path=str(OUT / "dashboard.png"), full_page=True)
        assert problems == []  # no CSP violations, no script errors
        browser.close()
