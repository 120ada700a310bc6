"""The clerk records the applicant's phone and consent for messages (who, when), and an opt-out, from the
applicant's page: a Ukrainian mobile number checked with ``phonenumbers``, errors beside their fields."""

import pytest
from django.urls import reverse

from notifications.models import Contact
from tests.factories import make_case

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def clerk(client, world):
    client.force_login(world.clerk_a)
    return client


def test_a_phone_with_consent_is_stored_in_e164_with_who_and_when(clerk, world):
    applicant = make_case(world).applicant
    url = reverse("frontoffice:applicant-contact", args=[applicant.pk])
    page = clerk.get(url)
    assert page.status_code == 200 and b"not messaged" in page.content
    response = clerk.post(url, {"phone": "067 123 45 67", "channel": "sms", "language": "uk", "consent": "on"})
    assert response.status_code == 302 and response["Location"] == reverse(
        "frontoffice:applicant-detail", args=[applicant.pk]
    )
    contact = Contact.objects.get(applicant=applicant)
    assert contact.phone == "+380671234567" and contact.reachable and contact.consent_by == world.clerk_a
    detail = clerk.get(response["Location"]).content.decode()
    assert "+380671234567" in detail and "Consent to messages recorded on" in detail


def test_a_wrong_number_is_named_beside_its_field_and_nothing_is_saved(clerk, world):
    applicant = make_case(world).applicant
    url = reverse("frontoffice:applicant-contact", args=[applicant.pk])
    for bad, words in (("12345", "Enter a Ukrainian phone number"), ("044 123 45 67", "cannot receive SMS")):
        response = clerk.post(url, {"phone": bad, "channel": "sms", "language": "uk", "consent": "on"})
        page = response.content.decode()
        assert response.status_code == 400 and "There is a problem" in page and words in page
        assert 'href="#id_phone"' in page  # the summary links to the field
    response = clerk.post(url, {"phone": "", "channel": "sms", "language": "uk", "consent": "on"})
    assert response.status_code == 400 and "Give a phone number" in response.content.decode()
    assert not Contact.objects.filter(applicant=applicant).exists()


def test_an_opt_out_is_recorded_and_respected(clerk, world):
    applicant = make_case(world).applicant
    url = reverse("frontoffice:applicant-contact", args=[applicant.pk])
    clerk.post(url, {"phone": "+380671234567", "channel": "sms", "language": "uk", "consent": "on"})
    assert "no more messages" in clerk.get(url).content.decode()  # the opt-out button is offered
    response = clerk.post(url, {"action": "opt_out"})
    assert response.status_code == 302
    contact = Contact.objects.get(applicant=applicant)
    assert contact.opted_out_at is not None and not contact.reachable
    assert "asked for no more messages on" in clerk.get(response["Location"]).content.decode()


def test_another_communitys_applicant_is_a_404(client, world):
    applicant = make_case(world, community="c").applicant
    client.force_login(world.clerk_a)
    url = reverse("frontoffice:applicant-contact", args=[applicant.pk])
    assert client.get(url).status_code == 404
    assert (
        client.post(url, {"phone": "0671234567", "channel": "sms", "language": "uk", "consent": "on"}).status_code
        == 404
    )
    assert not Contact.objects.exists()
