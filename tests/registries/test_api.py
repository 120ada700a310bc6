"""The API contract of issue 11: paths, fields, codes; access scoped like every case read (404 outside)."""

import pytest
from rest_framework.test import APIClient

from cases.models import AccessLogEntry
from registries.models import RegistryQuery
from tests.factories import committed

from .helpers import known_person, open_childbirth

pytestmark = pytest.mark.django_db


def api(user):
    c = APIClient()
    c.force_authenticate(user)
    return c


def test_registry_list_with_health(registries, gateway):
    world = registries
    open_childbirth(world, known_person(world, gateway))
    gateway.fault("dracs", "down")
    open_childbirth(world, known_person(world, gateway))
    open_childbirth(world, known_person(world, gateway))
    rows = {r["code"]: r for r in api(world.clerk_a).get("/api/v1/registries/").json()}
    assert set(rows["eddr"]) == {"code", "name", "status", "last_ok_at", "p95_ms"}
    assert rows["eddr"]["status"] == "up" and rows["eddr"]["last_ok_at"] and rows["eddr"]["p95_ms"] is not None
    assert rows["dracs"]["status"] == "down"  # the last three attempts failed
    assert rows["drfo"]["status"] == "unknown" and rows["drfo"]["last_ok_at"] is None


def test_case_registry_queries_list_and_ask_again(registries, gateway):
    world = registries
    gateway.fault("dracs", "not_found", count=1)
    case = open_childbirth(world, known_person(world, gateway))
    c = api(world.clerk_a)
    rows = c.get(f"/api/v1/cases/{case.pk}/registry-queries/").json()
    assert {r["registry"]: r["status"] for r in rows} == {"eddr": "answered", "dracs": "not_found"}
    row = next(r for r in rows if r["registry"] == "dracs")
    for field in (
        "id",
        "registry",
        "status",
        "asked_at",
        "answered_at",
        "due_at",
        "attempts",
        "error",
        "stands_for",
        "answer",
    ):
        assert field in row
    assert row["error"] == "not_found" and row["stands_for"] == ["birth"] and row["answer"] is None
    eddr = next(r for r in rows if r["registry"] == "eddr")
    assert eddr["error"] is None and eddr["answer"]["rnokpp"] == case.applicant.rnokpp

    with committed():
        response = c.post(f"/api/v1/cases/{case.pk}/registry-queries/", {"registry": "dracs"}, format="json")
    assert response.status_code == 202
    assert response.json()["registry"] == "dracs"
    assert RegistryQuery.objects.filter(case=case, registry__code="dracs").count() == 2
    assert RegistryQuery.objects.get(pk=response.json()["id"]).status == "answered"

    bad = c.post(f"/api/v1/cases/{case.pk}/registry-queries/", {"registry": "nope"}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "registry_unavailable"


def test_checklist_items_say_what_satisfied_them(registries, gateway):
    world = registries
    case = open_childbirth(world, known_person(world, gateway))
    detail = api(world.clerk_a).get(f"/api/v1/cases/{case.pk}/").json()
    by_type = {item["document_types"][0]: item["satisfied_by"] for item in detail["checklist"]}
    assert by_type == {
        "application": None,
        "passport": "registry",
        "rnokpp": "registry",
        "birth": "registry",
        "bank": None,
    }


def test_who_looked_at_my_data(registries, gateway):
    world = registries
    case = open_childbirth(world, known_person(world, gateway))
    page = case.documents.filter(origin="registry").first().pages.get()
    AccessLogEntry.objects.create(user=world.clerk_a, case=case, what="page", object_id=page.pk)
    body = api(world.clerk_a).get(f"/api/v1/applicants/{case.applicant_id}/data-access/").json()
    assert {q["registry"] for q in body["registry_queries"]} == {"eddr", "dracs"}
    q = body["registry_queries"][0]
    assert q["asked_by"] == "clerk_a" and q["front_office"] == world.fo_a.code and q["case"] == case.number
    assert q["purpose"]
    assert [v["what"] for v in body["file_views"]] == ["page"]


@pytest.mark.parametrize("who", ["clerk_c", "clerk_b", "accountant", "specialist_other"])
def test_others_get_404(registries, gateway, who):
    world = registries
    case = open_childbirth(world, known_person(world, gateway))
    c = api(getattr(world, who))
    assert c.get(f"/api/v1/cases/{case.pk}/registry-queries/").status_code == 404
    assert c.post(f"/api/v1/cases/{case.pk}/registry-queries/", {"registry": "dracs"}, format="json").status_code == 404
    assert c.get(f"/api/v1/applicants/{case.applicant_id}/data-access/").status_code == 404
