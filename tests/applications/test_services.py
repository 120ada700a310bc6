import datetime

import pytest
from django.core.files.storage import default_storage

from backoffice import services as back
from cases.checklist import checklist_for, missing_items
from cases.exceptions import BundleNotAllowed, DocumentTypeNotNeeded, DuplicateOpenCase, ServiceChosenTwice
from cases.models import Application, Bundle, Case, CaseEvent, Document, DocumentType, ServiceType, SourceFile
from frontoffice import applications as apps
from frontoffice import services as front
from tests.factories import applicant, committed, make_case, upload

pytestmark = pytest.mark.django_db
S = Case.Status


def services(*codes):
    by_code = {s.code: s for s in ServiceType.objects.filter(code__in=codes)}
    return [by_code[c] for c in codes]


def dtype(code):
    return DocumentType.objects.get(code=code)


def open_low_income(world, person=None):
    return apps.application_open(
        applicant=person or applicant(world),
        front_office=world.fo_a,
        services=services("low_income", "housing_subsidy"),
        by=world.clerk_a,
    )


def scan(world, application, *codes):
    for code in codes:
        with committed():
            apps.application_document_add(
                application=application, document_type=dtype(code), files=[upload()], by=world.clerk_a
            )


def test_one_application_opens_a_case_per_service_numbered_once(world):
    application = open_low_income(world)
    cases = list(application.cases.order_by("pk"))
    assert [c.service_type.code for c in cases] == ["low_income", "housing_subsidy"]
    assert application.number == Application.number_for(cases[0].number)
    assert all(c.back_office_id == world.bo1.pk and c.status == S.DRAFT for c in cases)
    assert application.chosen_services == ["low_income", "housing_subsidy"]
    assert application.status == Application.Status.DRAFT


def test_the_same_service_twice_is_refused_and_nothing_is_made(world):
    person = applicant(world)
    with pytest.raises(ServiceChosenTwice):
        apps.application_open(
            applicant=person, front_office=world.fo_a, services=services("funeral", "funeral"), by=world.clerk_a
        )
    assert not Application.objects.filter(applicant=person).exists()
    assert not Case.objects.filter(applicant=person).exists()


def test_an_open_case_of_the_person_needs_a_reason_and_nothing_half_made(world):
    person = applicant(world)
    front.case_open(
        applicant=person, service_type=services("housing_subsidy")[0], front_office=world.fo_a, by=world.clerk_a
    )
    with pytest.raises(DuplicateOpenCase):
        open_low_income(world, person)
    assert Case.objects.filter(applicant=person).count() == 1  # low_income was not left behind
    assert Application.objects.filter(applicant=person).count() == 1
    application = apps.application_open(
        applicant=person,
        front_office=world.fo_a,
        services=services("low_income", "housing_subsidy"),
        by=world.clerk_a,
        duplicate_reason="the first one was opened by mistake",
    )
    assert application.cases.count() == 2


def test_a_bundle_opens_its_default_services_and_records_the_choice(world):
    birth = Bundle.objects.get(code="birth")
    application = apps.application_open(
        applicant=applicant(world), front_office=world.fo_a, services=[], bundle=birth, by=world.clerk_a
    )
    assert [c.service_type.code for c in application.cases.all()] == ["childbirth"]
    assert application.offered_services == ["childbirth", "single_parent", "guardianship"]
    assert application.chosen_services == ["childbirth"]
    assert application.role == Bundle.Role.PARENT


def test_a_bundle_the_person_may_not_apply_for_is_refused(world):
    birth = Bundle.objects.get(code="birth")
    child = applicant(world, birth_date=datetime.date.today() - datetime.timedelta(days=365 * 10))
    with pytest.raises(BundleNotAllowed):
        apps.application_open(applicant=child, front_office=world.fo_a, services=[], bundle=birth, by=world.clerk_a)
    with pytest.raises(BundleNotAllowed):  # both parents: the second must sign
        apps.application_open(
            applicant=applicant(world),
            front_office=world.fo_a,
            services=[],
            bundle=birth,
            role="both_parents",
            by=world.clerk_a,
        )
    death = Bundle.objects.get(code="death")
    death.roles = ["guardian"]
    death.save()
    with pytest.raises(BundleNotAllowed):
        apps.application_open(
            applicant=applicant(world),
            front_office=world.fo_a,
            services=[],
            bundle=death,
            role="parent",
            by=world.clerk_a,
        )
    assert not Case.objects.filter(applicant__birth_date=child.birth_date).exists()


def test_both_parents_sign(world):
    application = apps.application_open(
        applicant=applicant(world),
        front_office=world.fo_a,
        services=[],
        bundle=Bundle.objects.get(code="birth"),
        role="both_parents",
        signatories=[apps.Signatory(full_name="Шевченко Петро Іванович")],
        by=world.clerk_a,
    )
    assert [(s.full_name, s.is_applicant) for s in application.signatures.all()][1] == (
        "Шевченко Петро Іванович",
        False,
    )


def test_a_document_is_scanned_once_and_counts_for_every_case_that_needs_it(world):
    application = open_low_income(world)
    low, housing = application.cases.order_by("pk")
    scan(world, application, "passport", "declaration")
    assert Document.objects.filter(case__application=application).count() == 2
    assert SourceFile.objects.filter(case__application=application).count() == 2  # no copies
    for case in (low, housing):
        lines = {line.item.document_types.first().code: line for line in checklist_for(case)}
        assert lines["passport"].satisfied and lines["declaration"].satisfied
    # utilities are needed by housing only: stored in (and seen by) that case alone
    scan(world, application, "utilities")
    assert Document.objects.get(document_type__code="utilities").case_id == housing.pk
    assert "utilities" not in {d.document_type.code for d in low.package_documents}
    assert {d.document_type.code for d in housing.package_documents} == {"passport", "declaration", "utilities"}


def test_a_document_type_no_case_needs_is_refused_and_nothing_stored(world):
    application = open_low_income(world)
    with pytest.raises(DocumentTypeNotNeeded):
        apps.application_document_add(
            application=application, document_type=dtype("death"), files=[upload()], by=world.clerk_a
        )
    assert not Document.objects.filter(case__application=application).exists()
    _, dirs = default_storage.listdir("") if default_storage.exists("cases") else ([], [])
    assert not dirs


def test_one_submit_submits_the_complete_cases_and_leaves_the_rest_drafts(world):
    application = open_low_income(world)
    low, housing = application.cases.order_by("pk")
    scan(world, application, "application", "passport", "declaration", "utilities")
    with committed():
        results = apps.application_submit(application=application, by=world.clerk_a, idempotency_key="k1")
    by_service = {r.case.service_type.code: r for r in results}
    assert by_service["housing_subsidy"].case.status == S.SUBMITTED
    assert by_service["low_income"].case.status == S.DRAFT
    assert {i.document_types.first().code for i in by_service["low_income"].missing} == {
        "rnokpp",
        "income",
        "registration",
    }
    application.refresh_from_db()
    assert application.status == Application.Status.PARTLY_SUBMITTED
    assert CaseEvent.objects.filter(case=housing, action="submit").count() == 1
    assert not CaseEvent.objects.filter(case=low, action="submit").exists()
    # the same request again changes nothing
    apps.application_submit(application=application, by=world.clerk_a, idempotency_key="k1")
    assert CaseEvent.objects.filter(case=housing, action="submit").count() == 1
    scan(world, application, "rnokpp", "income", "registration")
    with committed():
        apps.application_submit(application=application, by=world.clerk_a)
    low.refresh_from_db()
    assert low.status == S.SUBMITTED and application.status == Application.Status.SUBMITTED
    assert missing_items(low) == []


def test_a_refusal_or_a_request_on_one_case_leaves_the_others_untouched(world):
    application = open_low_income(world)
    scan(world, application, "application", "passport", "rnokpp", "declaration", "income", "registration", "utilities")
    with committed():
        apps.application_submit(application=application, by=world.clerk_a)
    low, housing = application.cases.order_by("pk")
    low = back.case_claim(case=low, by=world.specialist)
    low = back.case_request_info(case=low, by=world.specialist, message="the income certificate is illegible")
    housing.refresh_from_db()
    assert low.status == S.NEEDS_INFO and housing.status == S.SUBMITTED
    housing = back.case_claim(case=housing, by=world.specialist2)
    housing = back.case_reject_intake(case=housing, by=world.specialist2, reason="wrong office")
    low.refresh_from_db()
    assert low.status == S.NEEDS_INFO and housing.status == S.INTAKE_REJECTED
    # the reviewer of the open one still sees the shared evidence
    assert {d.document_type.code for d in low.package_documents} >= {"passport", "declaration"}


def test_adding_a_service_later_sees_the_evidence_already_here(world):
    application = open_low_income(world)
    scan(world, application, "passport")
    case = apps.application_add_service(application=application, service=services("disability")[0], by=world.clerk_a)
    assert case.application_id == application.pk
    satisfied = {line.item.document_types.first().code for line in checklist_for(case) if line.satisfied}
    assert "passport" in satisfied
    with pytest.raises(ServiceChosenTwice):
        apps.application_add_service(application=application, service=services("disability")[0], by=world.clerk_a)


def test_another_community_sees_no_shared_page(world, client):
    from cases import selectors

    application = open_low_income(world)
    scan(world, application, "passport")
    page = Document.objects.get(case__application=application).pages.get()
    assert selectors.page_get(user=world.clerk_a, pk=page.pk) == page
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.page_get(user=world.clerk_c, pk=page.pk)


def test_a_reviewer_of_a_sibling_case_sees_its_shared_page(world):
    from cases import selectors

    application = open_low_income(world)
    low = application.cases.order_by("pk").first()
    scan(world, application, "application", "passport", "declaration", "utilities")
    with committed():
        apps.application_submit(application=application, by=world.clerk_a)
    passport = Document.objects.get(document_type__code="passport", case__application=application)
    assert passport.case_id == low.pk  # stored in the first case, which is still a draft
    # the back office sees housing (submitted) only, yet may open the passport it shares
    assert selectors.page_get(user=world.specialist, pk=passport.pages.get().pk).document == passport
    assert make_case(world, community="c")  # another back office
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.page_get(user=world.specialist_other, pk=passport.pages.get().pk)


def test_each_cases_package_pdf_holds_the_evidence_it_shares(world):
    """The package PDF the back office prints is the case's whole package: its own pages and those it shares."""
    import pypdfium2

    application = open_low_income(world)
    low, housing = application.cases.order_by("pk")
    scan(world, application, "passport", "declaration", "utilities")
    for case, expected in ((low, 2), (housing, 3)):
        name = front.case_package_pdf(case_id=case.pk)
        with default_storage.open(name, "rb") as f:
            assert len(pypdfium2.PdfDocument(f.read())) == expected, case.service_type.code
