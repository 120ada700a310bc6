"""In Chromium: the consenting mother accepts on the phone page her SMS links to, and the robot grants; the clerk
accepts the other mother's offer from the community's work list. Screenshots go to test-output/proactive/."""

from pathlib import Path

import pytest

from cases.models import Case
from notifications.models import Message
from proactive import services
from proactive.models import ProactiveOffer
from tests.browser import CHROMIUM_ARGS

from .conftest import VALID_IBAN, birth_event, link_token, mother

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OUT = Path(__file__).resolve().parents[2] / "test-output" / "proactive"


@pytest.fixture
def browser(chromium_path, monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def test_the_mother_accepts_on_her_phone_and_the_clerk_accepts_for_the_other(live_server, rules, gateway, browser):
    told = mother(rules, gateway, consent=True)
    listed = mother(rules, gateway, consent=False, phone="+380672223344")
    birth_event(gateway, told, event_id="b-1")
    birth_event(gateway, listed, event_id="b-2", act="502/2026")
    services.feed_poll()

    phone = browser.new_context(viewport={"width": 400, "height": 800}, is_mobile=True).new_page()
    errors: list[str] = []
    phone.on("pageerror", lambda e: errors.append(str(e)))
    token = link_token(Message.objects.get(template="proactive_offer").text)
    phone.goto(f"{live_server.url}/status/offer/{token}/")
    assert "777" not in phone.inner_text("main") and "501/2026" in phone.inner_text("main")
    phone.fill("#id_iban", VALID_IBAN)
    phone.check("input[name=agree]")
    phone.click("button[value=accept]")
    phone.wait_for_load_state()
    phone.screenshot(path=str(OUT / "phone-accepted.png"), full_page=True)
    case = Case.objects.get(applicant=told)
    assert (case.channel, case.decision) == ("proactive", "granted")
    assert case.number in phone.inner_text("main")

    page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server.url}/accounts/login/?next=/proactive/")
    page.fill("#id_username", "clerk_a")
    page.fill("#id_password", "test-password-123")
    page.click("main button.primary")
    page.wait_for_url("**/proactive/")
    offer = ProactiveOffer.objects.get(applicant=listed)
    card = page.locator(f"#offer-{offer.pk}")
    assert listed.last_name in card.inner_text()
    page.screenshot(path=str(OUT / "work-list.png"), full_page=True)
    card.locator("select[name=channel]").select_option("visit")
    card.locator("input[name=iban]").fill(VALID_IBAN)
    card.locator("form").first.locator("button").click()
    page.wait_for_load_state()
    offer.refresh_from_db()
    assert (offer.status, offer.accepted_by, offer.consent_channel) == ("accepted", rules.clerk_a, "visit")
    assert Case.objects.get(applicant=listed).decision == "granted"
    assert offer.application.number in page.inner_text("main")
    assert errors == []
