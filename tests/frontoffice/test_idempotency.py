"""The Idempotency-Key is read one way everywhere (``cases.services.idempotency_key_clean``): stripped, stored whole,
and refused — never cut — when it is longer than the column, in the API (400 with a code), the UI and the service."""

import pytest
from django.urls import reverse

from cases.exceptions import InvalidInput
from cases.models import Case, CaseEvent, IdempotencyKey
from cases.services import idempotency_key_clean
from frontoffice import services as front
from tests.factories import committed, fill_checklist, make_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

LONGEST = "k" * 100
TOO_LONG = "k" * 101


def test_the_key_is_stripped_kept_whole_up_to_100_characters_and_refused_beyond():
    assert idempotency_key_clean("  abc  ") == "abc"
    assert idempotency_key_clean("") is None and idempotency_key_clean(None) is None
    assert idempotency_key_clean(LONGEST) == LONGEST
    with pytest.raises(InvalidInput):
        idempotency_key_clean(TOO_LONG)


def test_the_api_refuses_an_over_long_key_with_a_400_and_changes_nothing(world, clerk_api):
    case = make_case(world)
    fill_checklist(case, world.clerk_a)
    response = clerk_api.post(f"/api/v1/cases/{case.pk}/submit/", HTTP_IDEMPOTENCY_KEY=TOO_LONG)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_input" and "100 characters" in body["detail"]
    case.refresh_from_db()
    assert case.status == Case.Status.DRAFT and not IdempotencyKey.objects.exists()
    with committed():
        done = clerk_api.post(f"/api/v1/cases/{case.pk}/submit/", HTTP_IDEMPOTENCY_KEY=LONGEST)
    assert done.status_code == 200
    assert IdempotencyKey.objects.get().key == LONGEST  # whole, not cut


def test_the_page_refuses_an_over_long_key_with_a_message_and_changes_nothing(world, client):
    client.force_login(world.clerk_a)
    case = make_case(world)
    fill_checklist(case, world.clerk_a)
    response = client.post(
        reverse("frontoffice:case-submit", args=[case.pk]), {"idempotency_key": TOO_LONG}, follow=True
    )
    assert any("100 characters" in str(m) for m in response.context["messages"])
    case.refresh_from_db()
    assert case.status == Case.Status.DRAFT and not IdempotencyKey.objects.exists()


def test_the_service_refuses_an_over_long_key_before_anything_changes(world):
    case = make_case(world)
    fill_checklist(case, world.clerk_a)
    with pytest.raises(InvalidInput):
        front.case_submit(case=case, by=world.clerk_a, idempotency_key=TOO_LONG)
    case.refresh_from_db()
    assert case.status == Case.Status.DRAFT and not CaseEvent.objects.filter(case=case, action="submit").exists()
