"""Dead ends: branded, translated 403/404/500 pages, and a refused CSRF check that keeps what was typed."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_404_is_our_translated_page_with_a_way_home(client, world, settings):
    settings.DEBUG = False
    client.force_login(world.clerk_a)
    response = client.get("/no/such/page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    assert "Сторінку не знайдено" in body and f'href="{reverse("home")}"' in body
    assert "Not Found" not in body


def test_404_under_the_api_stays_json(client, world):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_403_page_is_ours(rf, world):
    from django.core.exceptions import PermissionDenied

    from cases.views import permission_denied

    request = rf.get("/front/")
    request.user = world.clerk_a
    response = permission_denied(request, PermissionDenied())
    assert response.status_code == 403 and "Недостатньо прав" in response.content.decode()


def test_500_page_is_ours_and_needs_no_context(rf):
    from cases.views import server_error

    response = server_error(rf.get("/front/"))
    body = response.content.decode()
    assert response.status_code == 500 and "Щось пішло не так" in body and "Громада" in body


def _csrf_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_a_refused_registration_comes_back_with_what_was_typed_and_saves_nothing(world):
    from cases.models import Applicant

    client = _csrf_client(world.clerk_a)
    data = {"last_name": "Коваль", "first_name": "Олена", "rnokpp": "3289203819", "csrfmiddlewaretoken": "stale" * 8}
    response = client.post(reverse("frontoffice:applicant-new"), data)
    body = response.content.decode()
    assert response.status_code == 403
    assert 'value="Коваль"' in body and 'value="Олена"' in body and 'value="3289203819"' in body
    assert "Ще не збережено" in body and "DEBUG" not in body and "CSRF verification failed" not in body
    assert 'name="csrfmiddlewaretoken"' in body  # a fresh token: sending again works
    assert not Applicant.objects.filter(last_name="Коваль").exists()


def test_a_refused_case_opening_keeps_the_chosen_service(world):
    from tests.factories import applicant as register

    applicant = register(world)
    client = _csrf_client(world.clerk_a)
    url = reverse("frontoffice:applicant-detail", args=[applicant.pk])
    response = client.post(url, {"service_type": world.service.pk, "channel": "remote"})
    body = response.content.decode()
    assert response.status_code == 403 and "Ще не збережено" in body
    assert f'value="{world.service.pk}" selected' in body and 'value="remote" selected' in body
    assert not applicant.cases.exists()


def test_a_refused_sign_in_keeps_the_user_name():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "clerk_a", "password": "x"})
    body = response.content.decode()
    assert response.status_code == 403 and 'value="clerk_a"' in body and "DEBUG" not in body


def test_any_other_refused_post_gets_a_translated_page_with_a_way_back(world):
    from cases.models import Case
    from tests.factories import make_case

    case = make_case(world, Case.Status.DRAFT)
    client = _csrf_client(world.clerk_a)
    back = f"http://testserver{reverse('frontoffice:case-detail', args=[case.pk])}"
    response = client.post(reverse("frontoffice:case-withdraw", args=[case.pk]), {"reason": "x"}, HTTP_REFERER=back)
    body = response.content.decode()
    assert response.status_code == 403 and "Форму не надіслано" in body and f'href="{back}"' in body
    assert "DEBUG" not in body
    case.refresh_from_db()
    assert case.status == Case.Status.DRAFT
    evil = client.post(reverse("frontoffice:case-withdraw", args=[case.pk]), {}, HTTP_REFERER="https://evil.example/")
    assert "evil.example" not in evil.content.decode()
