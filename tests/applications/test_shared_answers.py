"""One registry question per application (issue 13), against the registries stand-in over real HTTP: a birth bundle
asks ДРАЦС once, every case sees the answer, the robot decides from it; a case added later reuses it; a failed or
overdue question is asked again once for all; an answer about another identifier is never reused; the data-access
log shows the one question with its purposes; the pre-screener is fed by the check at the desk."""

import pytest

from cases.checklist import checklist_for, missing_items
from cases.models import Bundle, Case, Document, DocumentType, ServiceType
from eligibility.facts import facts_for
from frontoffice import applications as apps
from frontoffice import prescreen
from frontoffice import services as front
from registries import selectors
from registries.models import RegistryQuery
from registries.services import desk_check_run, registry_query_ask
from tests.eligibility.conftest import rules  # noqa: F401  (the world with the rules' parameters)
from tests.eligibility.helpers import child, months_ago
from tests.factories import committed, upload
from tests.registries.conftest import gateway, registries  # noqa: F401  (the stand-in over real HTTP)
from tests.registries.helpers import known_person

pytestmark = pytest.mark.django_db
S = RegistryQuery.Status
BIRTH_BUNDLE = ["childbirth", "single_parent", "guardianship"]


def services(*codes):
    by_code = {s.code: s for s in ServiceType.objects.filter(code__in=codes)}
    return [by_code[c] for c in codes]


def mother(world, stand_in):
    return known_person(world, stand_in, children=[child(months_ago(2))])


def open_birth(world, person, codes=BIRTH_BUNDLE):
    with committed():
        return apps.application_open(
            applicant=person,
            front_office=world.fo_a,
            services=services(*codes),
            bundle=Bundle.objects.get(code="birth"),
            by=world.clerk_a,
        )


def dracs(person):
    return RegistryQuery.objects.filter(applicant=person, registry__code="dracs")


def birth_line(case):
    return next(line for line in checklist_for(case) if line.item.document_types.first().code == "birth")


def test_a_birth_bundle_asks_dracs_once_every_case_sees_it_and_the_robot_decides_from_it(rules, gateway):  # noqa: F811
    world = rules
    person = mother(world, gateway)
    application = open_birth(world, person)
    cases = list(application.cases.order_by("pk"))
    assert [c.service_type.code for c in cases] == BIRTH_BUNDLE

    assert dracs(person).count() == 1  # three cases need the birth record: one question
    assert RegistryQuery.objects.filter(applicant=person, registry__code="eddr").count() == 1
    query = dracs(person).get()
    assert query.status == S.ANSWERED and query.application_id == application.pk
    # The extract is filed once and every case sees it (no copy per case).
    extracts = Document.objects.filter(case__application=application, registry_code="dracs")
    assert extracts.count() == 1 and list(query.documents.all()) == list(extracts)
    for case in cases:
        case.refresh_from_db()
        assert birth_line(case).satisfied_by == "registry", case.service_type.code
        assert facts_for(case).births.source.query_id == str(query.query_id)

    childbirth = cases[0]
    for item in missing_items(childbirth):
        with committed():
            apps.application_document_add(
                application=application, document_type=item.document_types.first(), files=[upload()], by=world.clerk_a
            )
    with committed():
        apps.application_submit(application=application, by=world.clerk_a)
    childbirth.refresh_from_db()
    assert childbirth.status == Case.Status.DECIDED and childbirth.decision == Case.Decision.GRANTED
    assert childbirth.decided_by.username == "robot"
    assert dracs(person).count() == 1  # the robot read the application's answer; nothing was asked again


def test_a_service_added_later_reuses_the_answer(registries, gateway):  # noqa: F811
    world = registries
    person = mother(world, gateway)
    application = open_birth(world, person, ["childbirth"])
    with committed():
        added = apps.application_add_service(
            application=application, service=ServiceType.objects.get(code="single_parent"), by=world.clerk_a
        )
    assert dracs(person).count() == 1
    assert RegistryQuery.objects.filter(applicant=person, registry__code="eddr").count() == 1
    added.refresh_from_db()
    assert birth_line(added).satisfied_by == "registry"
    assert Document.objects.filter(case__application=application, registry_code="dracs").count() == 1
    # single_parent also needs incomes: that registry was asked for the new case (once).
    assert RegistryQuery.objects.filter(applicant=person, registry__code="drfo", application=application).count() == 1


@pytest.mark.parametrize("outcome", ["failed", "overdue"])
def test_a_failed_or_overdue_question_is_asked_again_once_for_all(registries, gateway, outcome):  # noqa: F811
    world = registries
    person = mother(world, gateway)
    gateway.fault("dracs", "down" if outcome == "failed" else "timeout", seconds=3)
    application = open_birth(world, person, ["childbirth", "single_parent"])
    first = dracs(person).get()
    assert first.status == S.FAILED
    if outcome == "overdue":
        dracs(person).update(status=S.OVERDUE, error_code="overdue")
    gateway.clear()
    with committed():
        apps.application_add_service(
            application=application, service=ServiceType.objects.get(code="guardianship"), by=world.clerk_a
        )
    assert dracs(person).count() == 2  # asked again once, for the three cases
    again = dracs(person).exclude(pk=first.pk).get()
    assert again.status == S.ANSWERED and again.application_id == application.pk
    for case in application.cases.all():
        assert birth_line(case).satisfied_by == "registry", case.service_type.code
    assert Document.objects.filter(case__application=application, registry_code="dracs").count() == 1


def test_asking_again_by_hand_serves_every_case_and_a_double_click_asks_once(registries, gateway):  # noqa: F811
    world = registries
    person = mother(world, gateway)
    gateway.fault("dracs", "down")
    application = open_birth(world, person, ["childbirth", "single_parent"])
    childbirth, single = application.cases.order_by("pk")
    gateway.clear()
    with committed():
        asked = registry_query_ask(case=single, registry_code="dracs", by=world.clerk_a)
        assert registry_query_ask(case=childbirth, registry_code="dracs", by=world.clerk_a) == asked  # still pending
    asked.refresh_from_db()
    assert asked.status == S.ANSWERED and dracs(person).count() == 2
    assert birth_line(childbirth).satisfied_by == "registry" and birth_line(single).satisfied_by == "registry"
    assert facts_for(childbirth).births.source.query_id == str(asked.query_id)


def test_an_answer_about_another_identifier_is_never_reused(registries, gateway):  # noqa: F811
    world = registries
    person = mother(world, gateway)
    application = open_birth(world, person, ["childbirth"])
    # The clerk corrects the person's identifier: the answer about the old one serves nothing new.
    old = person.rnokpp
    person.rnokpp = None
    person.save(update_fields=["rnokpp"])
    with committed():
        apps.application_add_service(
            application=application, service=ServiceType.objects.get(code="single_parent"), by=world.clerk_a
        )
    assert dracs(person).count() == 2
    assert dracs(person).order_by("-pk").first().subject_key != dracs(person).order_by("pk").first().subject_key
    assert old  # asked about the RNOKPP first, then about the passport


def test_a_wrong_subject_answer_is_attached_to_no_case_of_the_application(registries, gateway):  # noqa: F811
    world = registries
    person = mother(world, gateway)
    gateway.fault("dracs", "wrong_subject")
    application = open_birth(world, person)
    query = dracs(person).get()
    assert (query.status, query.error_code) == (S.FAILED, "wrong_subject")
    assert not Document.objects.filter(case__application=application, registry_code="dracs").exists()
    for case in application.cases.all():
        assert birth_line(case).satisfied_by is None


def test_the_data_access_log_shows_the_one_question_with_its_purposes(registries, gateway, client):  # noqa: F811
    world = registries
    person = mother(world, gateway)
    application = open_birth(world, person)
    numbers = sorted(application.cases.values_list("number", flat=True))
    queries, _views = selectors.applicant_access_records(applicant=person)
    rows = [q for q in queries if q.registry.code == "dracs"]
    assert len(rows) == 1 and sorted(c.number for c in rows[0].served_cases) == numbers
    client.force_login(world.clerk_a)
    body = client.get(f"/api/v1/applicants/{person.pk}/data-access/").json()
    asked = [q for q in body["registry_queries"] if q["registry"] == "dracs"]
    assert len(asked) == 1 and sorted(asked[0]["served_cases"]) == numbers
    assert asked[0]["application"] == application.number
    # The person's own view: one line, naming the three services.
    name = rows[0].registry.name
    told = [r for r in selectors.queries_for_the_person(cases=application.cases.all()) if name in r["what"]]
    assert len(told) == 1 and all(n in told[0]["case"] for n in numbers)


def test_the_desk_check_asks_what_the_prescreener_reads_and_a_case_then_reuses_it(registries, gateway):  # noqa: F811
    world = registries
    person = mother(world, gateway)
    assert prescreen.suggestions_for(person) == []  # nothing asked yet
    with committed():
        desk_check_run(applicant=person, by=world.clerk_a, front_office_id=world.fo_a.pk)
    asked = dict(
        RegistryQuery.objects.filter(applicant=person, trigger=RegistryQuery.Trigger.PRESCREEN).values_list(
            "registry__code", "status"
        )
    )
    assert set(asked) == {"dracs", "drfo", "pfu", "disability", "idp"}
    assert asked["dracs"] == S.ANSWERED
    assert [s.service.code for s in prescreen.suggestions_for(person)] == ["childbirth"]
    # A second check the same day asks the pre-screener's registries nothing new.
    with committed():
        desk_check_run(applicant=person, by=world.clerk_a, front_office_id=world.fo_a.pk)
    assert RegistryQuery.objects.filter(applicant=person, trigger=RegistryQuery.Trigger.PRESCREEN).count() == 5

    application = open_birth(world, person, ["childbirth", "single_parent"])
    assert dracs(person).count() == 1  # the desk's answer serves the application
    assert dracs(person).get().application_id == application.pk
    assert RegistryQuery.objects.filter(applicant=person, registry__code="eddr").count() == 2  # both desk checks
    for case in application.cases.all():
        assert birth_line(case).satisfied_by == "registry"
    passport = DocumentType.objects.get(code="passport")
    assert Document.objects.filter(case__application=application, document_type=passport).count() == 1
    assert not front.open_cases_of(applicant=person, service_type=ServiceType.objects.get(code="funeral"))


def test_the_suggestions_part_waits_on_pending_questions_then_shows_the_answer(registries, gateway, client):  # noqa: F811
    from registries.services import registry_query_run

    world = registries
    person = mother(world, gateway)
    desk_check_run(applicant=person, by=world.clerk_a, front_office_id=world.fo_a.pk)  # nudges not sent: pending
    client.force_login(world.clerk_a)
    url = f"/front/applicants/{person.pk}/suggestions/"
    waiting = client.get(url)
    assert waiting.status_code == 200
    assert "load delay:3s" in waiting.content.decode() and "registries-answered from:body" in waiting.content.decode()
    for pk in RegistryQuery.objects.filter(applicant=person, status=S.QUEUED).values_list("pk", flat=True):
        registry_query_run(query_id=pk, may_retry=False)
    done = client.get(url).content.decode()
    assert "load delay" not in done
    assert ServiceType.objects.get(code="childbirth").name in done
    client.force_login(world.clerk_b)  # another community's clerk, without the person's identifier
    assert client.get(url).status_code == 404
