"""The whole journey of one application in a real Chromium, every step through the web UI as the person who does it,
each at their own browser: the clerk registers the applicant, uploads real scans and submits; the reviewer takes it
from the queue, accepts the package and refuses on a legal ground; the head approves the refusal; the clerk prints
the decision notice and hands it over; the accountant finds the fee the intake earned; at month end the statement is
issued, the community's supervisor confirms it and the accountant approves it.
Screenshots go to test-output/full-journey/."""

from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from cases import clock
from cases.models import Case
from payments.models import Accrual, Statement
from payments.services.budget import budget_set
from payments.services.rates import fee_rate_create
from payments.services.statements import statement_issue_month
from tests import corpus
from tests.browser import CHROMIUM_ARGS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "full-journey"
PASSWORD = "test-password-123"
# One scan of the corpus per checklist item of the low-income service (its refusals need the head's approval).
FILES = ["simple.jpg", "multi-page-images.pdf", "simple.png", "simple.tif", "rotated.pdf", "simple-no-dpi.png"]


@pytest.fixture
def desk(chromium_path, live_server, monkeypatch):
    """``desk(username)``: a fresh browser signed in as that person (each role works at their own PC)."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the ORM is read between browser steps
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)

        def sign_in(username: str):
            context = browser.new_context(viewport={"width": 1366, "height": 800}, accept_downloads=True)
            page = context.new_page()
            page.on("console", lambda m: problems.append(f"{username}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(f"{username}: {e}"))
            page.goto(f"{live_server.url}/accounts/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", PASSWORD)
            page.click("main button.primary")
            page.wait_for_load_state()
            assert "/accounts/login/" not in page.url, f"{username} could not sign in"
            return page

        sign_in.problems = problems
        yield sign_in
        browser.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True, caret="initial")


def test_one_application_from_the_front_desk_to_the_ministrys_statement(world, live_server, desk, tmp_path):
    from playwright.sync_api import expect

    fee_rate_create(by=world.accountant, amount=Decimal("20.00"), valid_from=date(2020, 1, 1))
    budget_set(year=clock.today().year, amount=Decimal("1000000.00"), by=world.admin)
    service = world.service
    assert service.refusal_needs_approval

    # 1. The clerk: register the applicant, open the case, upload a scan per checklist item, submit.
    clerk = desk(world.clerk_a.username)
    clerk.goto(f"{live_server.url}/front/applicants/new/")
    clerk.fill("#id_last_name", "Коваленко")
    clerk.fill("#id_first_name", "Марія")
    clerk.fill("#id_birth_date", "1979-03-14")
    clerk.select_option("#id_passport_kind", "id_card")
    clerk.fill("#id_passport_number", "007654321")
    clerk.click("main button.primary")
    clerk.wait_for_url("**/front/applicants/*/")
    clerk.select_option("#id_service_type", str(service.pk))
    clerk.click("#open-case button.primary")
    clerk.wait_for_url("**/front/cases/*/")
    case = Case.objects.get(applicant__last_name="Коваленко")
    forms = clerk.locator("form[data-upload]")
    items = service.checklist.count()
    for index, name in enumerate(FILES[:items]):
        forms.nth(index).locator("input[type=file][multiple]").set_input_files(corpus.scan_file(tmp_path, name))
        expect(clerk.locator("#package .fo-document")).to_have_count(index + 1, timeout=30_000)
    clerk.wait_for_selector("#submit-case:not([disabled])", timeout=60_000)
    shot(clerk, "01-clerk-package-complete")
    clerk.click("#submit-case")
    clerk.wait_for_selector(".messages .success")
    shot(clerk, "02-clerk-submitted")
    case.refresh_from_db()
    assert case.status == Case.Status.SUBMITTED
    pages = sum(d.pages.count() for d in case.documents.all())

    # 2. The reviewer: take the next case from the queue, accept the package, refuse on a ground.
    reviewer = desk(world.specialist.username)
    reviewer.goto(f"{live_server.url}/back/")
    expect(reviewer.locator(f'a[title="{case.number}"]')).to_contain_text(case.number[-11:])  # the tail, whole on hover
    shot(reviewer, "03-reviewer-queue")
    reviewer.click("form.take-next button")
    reviewer.wait_for_url(f"**/back/cases/{case.pk}/")
    assert reviewer.locator(".strip .page-link").count() == pages
    reviewer.click("#form-accept button")
    reviewer.wait_for_selector("#form-decide", state="attached")
    reviewer.click("details:has(#form-decide) > summary")
    reviewer.check("#form-decide input[name=decision][value=refused]")
    ground = service.refusal_grounds.first()
    reviewer.check(f"#form-decide input[name=grounds][value='{ground.pk}']")
    reviewer.fill("#form-decide textarea[name=reason]", "Середньомісячний дохід сім'ї перевищує прожитковий мінімум.")
    reviewer.click("#form-decide button[type=submit]")
    reviewer.wait_for_selector("h1 .badge.refusal_pending")
    shot(reviewer, "04-reviewer-refusal-sent-to-the-head")
    assert reviewer.locator("#form-approve-refusal").count() == 0  # nobody approves their own refusal
    assert Accrual.objects.filter(case=case).count() == 1  # the accepted package earned the community its fee

    # 3. The head: the refusal waits for them; they approve and sign it.
    head = desk(world.head.username)
    head.goto(f"{live_server.url}/back/refusals/")
    head.click(f"a[href$='/back/cases/{case.pk}/']")
    head.wait_for_url(f"**/back/cases/{case.pk}/")
    head.click("details:has(#form-approve-refusal) > summary")
    head.click("#form-approve-refusal button[type=submit]")
    head.wait_for_selector("h1 .badge.decided")
    shot(head, "05-head-approved-the-refusal")
    case.refresh_from_db()
    assert (case.status, case.decision) == (Case.Status.DECIDED, Case.Decision.REFUSED)

    # 4. The clerk: the decision is on their home page to hand over; print the notice, record the hand-over.
    clerk.goto(f"{live_server.url}/front/")
    expect(clerk.locator(f'#hand-over a[title="{case.number}"]')).to_contain_text(case.number[-11:])
    shot(clerk, "06-clerk-decision-to-hand-over")
    clerk.goto(f"{live_server.url}/front/cases/{case.pk}/")
    link = clerk.locator(f"a[href$='/front/cases/{case.pk}/decision-notice.pdf']")
    notice = clerk.request.get(
        f"{live_server.url}{link.get_attribute('href')}"
    )  # what the button opens, with her session
    assert notice.ok and notice.headers["content-type"] == "application/pdf" and notice.body().startswith(b"%PDF")
    (SHOTS / "decision-notice.pdf").write_bytes(notice.body())
    clerk.click(".fo-hand-over button[type=submit]")
    clerk.wait_for_selector(".messages .success")
    shot(clerk, "07-clerk-handed-over")
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED

    # 5. The accountant: this month's statement of the community already counts the intake — its number, no names.
    accountant = desk(world.accountant.username)
    accrual = Accrual.objects.get(case=case)
    statement = Statement.objects.get(community=world.a, period=accrual.period)
    accountant.goto(f"{live_server.url}/payments/?period={accrual.period:%Y-%m}")
    accountant.click(f"a[href$='/payments/statements/{statement.pk}/']")
    accountant.wait_for_url(f"**/payments/statements/{statement.pk}/")
    expect(accountant.locator("main")).to_contain_text(case.number)
    assert "Коваленко" not in accountant.content()  # the ministry sees intakes, not people
    shot(accountant, "08-accountant-open-statement")

    # The month ends: the month-end job issues the statement; the community's supervisor confirms it at their desk.
    next_month = date(accrual.period.year + accrual.period.month // 12, accrual.period.month % 12 + 1, 1)
    with clock.travel_to(datetime.combine(next_month, time(9), tzinfo=ZoneInfo("Europe/Kyiv"))):
        assert statement_issue_month(period=accrual.period) >= 1
    supervisor = desk(world.supervisor_a.username)
    supervisor.goto(f"{live_server.url}/payments/statements/{statement.pk}/")
    supervisor.click(f"form[action$='/payments/statements/{statement.pk}/confirm/'] button[type=submit]")
    supervisor.wait_for_selector(".messages .success")
    shot(supervisor, "09-supervisor-confirmed")

    # The accountant approves it for payment.
    accountant.reload()
    accountant.click(f"form[action$='/payments/statements/{statement.pk}/approve/'] button[type=submit]")
    accountant.wait_for_selector(".messages .success")
    shot(accountant, "10-accountant-approved")
    statement.refresh_from_db()
    assert statement.status == Statement.Status.APPROVED
    assert (statement.count, statement.amount) == (1, Decimal("20.00"))

    assert desk.problems == []  # no script errors and no CSP violations at any desk
