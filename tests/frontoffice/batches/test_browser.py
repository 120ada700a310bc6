"""The clerk's batch journey in Chromium: print two cover sheets, scan a stack, upload it, see the pages in the
right cases, place a stray page by hand, label an unsorted document."""

import os
from pathlib import Path

import pytest

from cases.models import User
from tests.browser import CHROMIUM_ARGS
from tests.factories import build_world, make_case
from tests.frontoffice.batches.stacks import content, render_pdf, stack_pdf

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("english")]

OUT = Path("test-output/batches")
ARGS = CHROMIUM_ARGS


@pytest.fixture
def page(live_server, chromium_path):
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
        yield context.new_page()
        browser.close()


def sign_in(page, base: str, username: str) -> None:
    user = User.objects.get(username=username)
    user.set_password("test-password-123")
    user.save()
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "test-password-123")
    page.press("#id_password", "Enter")
    page.wait_for_url(base + "/front/")


def test_a_clerk_scans_two_applicants_papers_in_one_stack(page, live_server, tmp_path):
    OUT.mkdir(parents=True, exist_ok=True)
    world = build_world()
    a, b = make_case(world), make_case(world)
    base = live_server.url
    sign_in(page, base, "clerk_a")

    # Print the two cover sheets (what the case page's button opens).
    sheets = []
    for case in (a, b):
        response = page.request.get(f"{base}/front/cases/{case.pk}/cover-sheet.pdf")
        assert response.status == 200 and response.body().startswith(b"%PDF")
        sheets.append(render_pdf(response.body()).rotate(1.0, fillcolor=245))  # printed, fed a little crooked

    # The scanner's stack: a stray page, cover A, two pages, cover B, one page.
    stack = tmp_path / "stack.pdf"
    stack.write_bytes(stack_pdf([content("stray"), sheets[0], content("A1"), content("A2"), sheets[1], content("B1")]))
    page.goto(base + "/front/scan-batches/")
    page.set_input_files("#id_files", str(stack))
    page.click("main button.primary")
    page.wait_for_selector("table.batch-pages")
    page.screenshot(path=str(OUT / "batch-routed.png"), full_page=True)

    rows = page.locator("table.batch-pages tbody tr")
    assert rows.count() == 6
    assert a.number in rows.nth(2).inner_text() and a.number in rows.nth(3).inner_text()
    assert b.number in rows.nth(5).inner_text()
    assert a.documents.get().pages.count() == 2 and b.documents.get().pages.count() == 1

    # The stray page waits for the clerk: put it into case B as its passport, by keyboard-reachable form.
    group = page.locator("form.group").first
    assert "Before the first cover sheet" in group.inner_text()
    group.locator("input[name=case_number]").fill(b.number)
    group.locator("select[name=document_type]").select_option("passport")
    group.locator("button.primary").click()
    page.wait_for_selector(".messages")
    assert b.documents.filter(document_type__code="passport").get().pages.count() == 1

    # The unsorted documents are labelled from the same page.
    label = page.locator("#unsorted form.label-form").first
    label.locator("select").select_option("application")
    label.locator("button").click()
    page.wait_for_selector(".messages")
    page.screenshot(path=str(OUT / "batch-placed-and-labelled.png"), full_page=True)
    assert a.documents.filter(document_type__code="application").exists()
