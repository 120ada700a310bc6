import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_web_login_locks_out_after_repeated_failures(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="olena", password="right-password-123")
    for _ in range(3):
        response = client.post(reverse("login"), {"username": "olena", "password": "wrong"})
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode() or "Забагато" in response.content.decode()
    # Even the right password is refused while locked out.
    response = client.post(reverse("login"), {"username": "olena", "password": "right-password-123"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_api_token_endpoint_locks_out_too(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="petro", password="right-password-123")
    url = reverse("api-token")
    assert client.post(url, {"username": "petro", "password": "right-password-123"}).status_code == 200
    codes = [client.post(url, {"username": "petro", "password": "wrong"}).status_code for _ in range(4)]
    assert codes[0] == 401 and codes[-1] == 429
    response = client.post(url, {"username": "petro", "password": "right-password-123"})
    assert response.status_code == 429 and response.json()["code"] == "locked_out"


def test_successful_login_resets_the_count(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="ivan", password="right-password-123")
    for _ in range(2):
        client.post(reverse("login"), {"username": "ivan", "password": "wrong"})
    assert client.post(reverse("login"), {"username": "ivan", "password": "right-password-123"}).status_code == 302
    client.logout()
    for _ in range(2):
        assert client.post(reverse("login"), {"username": "ivan", "password": "wrong"}).status_code == 200
