"""The clerk's case page, the outage banner, the applicant's "who looked at my data", the check at the desk and
the health panel, as their users see them."""

import pytest

from tests.factories import committed

from .helpers import known_person, open_childbirth

pytestmark = pytest.mark.django_db


def test_the_case_page_shows_items_from_the_registry_instead_of_their_upload_slot(registries, gateway, client):
    world = registries
    case = open_childbirth(world, known_person(world, gateway))
    client.force_login(world.clerk_a)
    html = client.get(f"/front/cases/{case.pk}/").content.decode()
    assert "✓ з ДРАЦС" in html and "✓ з ЄДДР" in html
    assert html.count(f'action="/front/cases/{case.pk}/documents/"') == 3  # application, bank, another document


def test_a_failed_registry_brings_the_slot_back_with_the_reason(registries, gateway, client, english):
    world = registries
    gateway.fault("dracs", "not_found")
    case = open_childbirth(world, known_person(world, gateway))
    client.force_login(world.clerk_a)
    html = client.get(f"/front/cases/{case.pk}/").content.decode()
    assert "ДРАЦС holds no record: bring the paper certificate." in html
    assert html.count(f'action="/front/cases/{case.pk}/documents/"') == 4
    assert f'action="/registries/cases/{case.pk}/ask/dracs/"' in html


def test_a_banner_when_a_registry_the_checklists_rely_on_is_down(registries, gateway, client, english):
    world = registries
    gateway.fault("dracs", "down")
    for _ in range(3):
        open_childbirth(world, known_person(world, gateway))
    client.force_login(world.clerk_a)
    html = client.get("/front/").content.decode()
    assert "A registry is down:" in html and "ДРАЦС" in html


def test_the_applicant_page_lists_every_query_and_the_desk_check_records_differences(
    registries, gateway, client, english
):
    world = registries
    person = known_person(world, gateway, first_name="Олєна")  # the registry spells the name differently
    open_childbirth(world, person)
    client.force_login(world.clerk_a)
    with committed():
        response = client.post(f"/registries/applicants/{person.pk}/desk-check/")
    assert response.status_code == 302
    check = person.desk_checks.get()
    assert check.differences == [{"field": "first_name", "typed": "Олена", "registry": "Олєна", "source": "ЄДДР"}]
    assert check.unavailable == []
    page = client.get(f"/front/applicants/{person.pk}/").content.decode()
    assert f'hx-get="/registries/applicants/{person.pk}/data-access/"' in page  # loaded into the applicant page
    html = client.get(f"/registries/applicants/{person.pk}/data-access/").content.decode()
    assert "Who looked at this person" in html and "The registries hold different data:" in html
    assert html.count("ЄДДР") >= 3  # case opening, the desk check, the difference's source
    partial = client.get(f"/registries/applicants/{person.pk}/data-access/", headers={"HX-Request": "true"})
    assert "<html" not in partial.content.decode() and "Олєна" in partial.content.decode()


def test_a_clerk_who_found_the_person_by_identifier_sees_their_records(registries, gateway, client):
    world = registries
    person = known_person(world, gateway)
    client.force_login(world.clerk_c)  # another community: the person is reached only by the identifier shown
    url = f"/registries/applicants/{person.pk}/data-access/"
    assert client.get(url).status_code == 404
    assert client.get(url, {"identifier": person.rnokpp}).status_code == 200
    assert client.get(url, {"identifier": "0000000000"}).status_code == 404
    client.force_login(world.accountant)
    assert client.get(url, {"identifier": person.rnokpp}).status_code == 404


def test_the_health_panel_is_for_the_head_and_the_ministry_admin(registries, gateway, client):
    world = registries
    open_childbirth(world, known_person(world, gateway))
    for user, status in ((world.head, 200), (world.admin, 200), (world.clerk_a, 404), (world.accountant, 404)):
        client.force_login(user)
        assert client.get("/registries/health/").status_code == status


def test_the_desk_check_runs_by_itself_when_the_clerk_opens_the_person_once_a_day(registries, gateway, client):
    """Found while the person is still at the desk: the applicant page asks for the check when it loads (no click),
    once a day; a community supervisor sees the last result but never runs it."""
    world = registries
    person = known_person(world, gateway)
    url = f"/registries/applicants/{person.pk}/data-access/"
    client.force_login(world.clerk_a)
    before = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="load, submit"' in before
    with committed():
        after = client.post(f"/registries/applicants/{person.pk}/desk-check/", headers={"HX-Request": "true"})
    assert person.desk_checks.count() == 1
    assert 'hx-trigger="load' not in after.content.decode(), "the answer must not ask again by itself"
    assert 'hx-trigger="load' not in client.get(url, headers={"HX-Request": "true"}).content.decode()
    client.force_login(world.supervisor_a)
    response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "desk-check/" not in response.content.decode()


def test_the_reviewers_captions_name_the_registry_of_each_extract_in_one_query(
    registries, gateway, django_assert_max_num_queries
):
    from backoffice.selectors import registry_names

    world = registries
    case = open_childbirth(world, known_person(world, gateway))
    documents = list(case.documents.all())
    assert any(d.origin == "registry" for d in documents)
    with django_assert_max_num_queries(1):
        names = registry_names(documents)
    assert set(names.values()) >= {"ДРАЦС", "ЄДДР"}
    with django_assert_max_num_queries(0):
        assert registry_names([d for d in documents if d.origin != "registry"]) == {}
