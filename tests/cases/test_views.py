import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_login_page_renders_in_ukrainian(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert 'lang="uk"' in response.content.decode()


def test_anonymous_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("role", "home"),
    [
        ("clerk_a", "frontoffice:home"),
        ("supervisor_a", "frontoffice:home"),
        ("specialist", "backoffice:home"),
        ("head", "backoffice:home"),
        ("accountant", "payments:home"),
        ("admin", "payments:home"),
    ],
)
def test_each_role_lands_on_its_home(client, world, role, home):
    client.force_login(getattr(world, role))
    response = client.get("/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse(home)


def test_user_without_role_is_told_so(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    response = client.get("/")
    assert response.status_code == 403
    assert "cases/no_role.html" in [t.name for t in response.templates]


@pytest.mark.parametrize(
    ("role", "area"),
    [
        ("clerk_a", "backoffice:home"),
        ("specialist", "frontoffice:home"),
        ("accountant", "frontoffice:home"),
        ("clerk_a", "payments:home"),
    ],
)
def test_areas_of_other_roles_are_404(client, world, role, area):
    client.force_login(getattr(world, role))
    assert client.get(reverse(area)).status_code == 404


def test_language_switch(client, world):
    client.force_login(world.clerk_a)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert 'lang="en"' in client.get(reverse("frontoffice:home")).content.decode()


def test_files_only_through_access_checked_views(client, world):
    from cases.models import Case
    from tests.factories import make_case

    case = make_case(world, Case.Status.SUBMITTED)
    page = case.documents.first().pages.first()
    url = reverse("page-image", args=[page.pk])
    assert client.get(url).status_code == 302  # anonymous: to login
    client.force_login(world.clerk_b)
    assert client.get(url).status_code == 404
    client.force_login(world.specialist)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert case.access_log.filter(user=world.specialist, what="page", object_id=page.pk).exists()


def test_ukrainian_whatever_the_browser_asks(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9,ru;q=0.8")
    assert 'lang="uk"' in response.content.decode()
    client.cookies["django_language"] = "ru"
    assert 'lang="ru"' in client.get(reverse("login")).content.decode()
