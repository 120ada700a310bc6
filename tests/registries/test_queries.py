"""Registry queries end to end against the stand-in over real HTTP: answers filed as evidence, every fault mode
recorded with its reason and never attached, the checklist counting what a registry answered."""

from datetime import date

import pytest

from cases.checklist import checklist_for
from cases.models import Document, Page
from registries.models import RegistryQuery
from tests.factories import applicant, committed

from .helpers import known_person, open_childbirth, query_of, rnokpp_for

pytestmark = pytest.mark.django_db
S = RegistryQuery.Status


def lines_by_type(case):
    case.refresh_from_db()
    return {line.item.document_types.first().code: line for line in checklist_for(case)}


def test_case_opening_asks_every_registry_its_checklist_relies_on_and_files_the_answers(registries, gateway):
    world = registries
    case = open_childbirth(world, known_person(world, gateway))
    asked = set(RegistryQuery.objects.filter(case=case).values_list("registry__code", flat=True))
    assert asked == {"eddr", "dracs"}  # passport + RNOKPP from ЄДДР, the birth record from ДРАЦС
    for code in asked:
        query = query_of(case, code)
        assert query.status == S.ANSWERED, query.error_code
        assert query.attempts == 1 and query.request_hash and query.answered_at
        assert query.asked_by == world.clerk_a and query.purpose
    births = query_of(case, "dracs").answer["births"]
    assert births[0]["birth_act"] == "1234/2026"

    lines = lines_by_type(case)
    assert {code: line.satisfied_by for code, line in lines.items()} == {
        "application": None,
        "passport": "registry",
        "rnokpp": "registry",
        "birth": "registry",
        "bank": None,
    }
    documents = Document.objects.filter(case=case, origin=Document.Origin.REGISTRY)
    assert sorted(d.registry_code for d in documents) == ["dracs", "eddr", "eddr"]
    for document in documents:
        page = document.pages.get()
        assert page.status == Page.Status.READY and page.image and page.thumbnail and page.width == 1240


def test_a_registry_document_satisfies_its_item_whatever_the_minimum_pages(registries, gateway):
    world = registries
    case = open_childbirth(world, known_person(world, gateway))
    line = lines_by_type(case)["birth"]
    line.item.min_pages = 3
    line.item.save()
    assert lines_by_type(case)["birth"].satisfied


@pytest.mark.parametrize(
    ("mode", "extra", "status", "error"),
    [
        ("down", {}, S.FAILED, "registry_down"),
        ("timeout", {"seconds": 3}, S.FAILED, "timeout"),
        ("not_found", {}, S.NOT_FOUND, "not_found"),
        ("garbage", {}, S.FAILED, "garbage"),
        ("wrong_subject", {}, S.FAILED, "wrong_subject"),
    ],
)
def test_every_fault_is_recorded_with_its_reason_and_never_attached(registries, gateway, mode, extra, status, error):
    world = registries
    person = known_person(world, gateway)
    gateway.fault("dracs", mode, **extra)
    case = open_childbirth(world, person)
    query = query_of(case, "dracs")
    assert (query.status, query.error_code) == (status, error)
    assert query.answer is None
    assert not query.documents.exists()
    assert not Document.objects.filter(case=case, registry_code="dracs").exists()
    line = lines_by_type(case)["birth"]
    assert line.satisfied_by is None and not line.satisfied  # the upload slot is back
    assert query_of(case, "eddr").status == S.ANSWERED  # one registry's fault does not touch another's


def test_a_slow_registry_is_waited_for(registries, gateway):
    world = registries
    person = known_person(world, gateway)
    gateway.fault("dracs", "slow", seconds=0.3)
    query = query_of(open_childbirth(world, person), "dracs")
    assert query.status == S.ANSWERED and query.latency_ms >= 300


def test_a_wrong_subject_answer_never_reaches_the_case_even_in_the_person_record(registries, gateway):
    world = registries
    person = known_person(world, gateway)
    gateway.fault("eddr", "wrong_subject")
    case = open_childbirth(world, person)
    query = query_of(case, "eddr")
    assert query.status == S.FAILED and query.error_code == "wrong_subject" and query.answer is None
    assert not Document.objects.filter(case=case, registry_code="eddr").exists()
    lines = lines_by_type(case)
    assert lines["passport"].satisfied_by is None and lines["rnokpp"].satisfied_by is None


def test_a_fault_with_a_count_passes_and_asking_again_makes_a_new_query(registries, gateway, client):
    world = registries
    person = known_person(world, gateway)
    gateway.fault("dracs", "down", count=1)
    case = open_childbirth(world, person)
    first = query_of(case, "dracs")
    assert first.status == S.FAILED
    client.force_login(world.clerk_a)
    with committed():
        response = client.post(f"/registries/cases/{case.pk}/ask/dracs/")
    assert response.status_code == 302
    again = RegistryQuery.objects.filter(case=case, registry__code="dracs").exclude(pk=first.pk).get()
    assert again.status == S.ANSWERED and again.trigger == RegistryQuery.Trigger.MANUAL
    first.refresh_from_db()
    assert first.status == S.FAILED  # the record of the first question stays as it was
    assert lines_by_type(case)["birth"].satisfied_by == "registry"


def test_a_person_unknown_to_the_registries_is_not_found_and_brings_papers(registries, gateway):
    world = registries
    stranger = applicant(world, rnokpp=rnokpp_for(date(1984, 1, 2)), birth_date=date(1984, 1, 2))
    case = open_childbirth(world, stranger)
    assert set(RegistryQuery.objects.filter(case=case).values_list("status", flat=True)) == {S.NOT_FOUND}
    assert all(line.satisfied_by is None for line in lines_by_type(case).values())


def test_no_gateway_configured_fails_loudly(registries, gateway, settings):
    world = registries
    person = known_person(world, gateway)
    settings.REGISTRY_GATEWAY_URL = ""
    query = query_of(open_childbirth(world, person), "dracs")
    assert (query.status, query.error_code) == (S.FAILED, "not_configured")
