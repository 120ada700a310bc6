"""Every list is scoped by the user's memberships; other tenants' objects are 404."""

import pytest
from django.http import Http404

from cases import selectors
from cases.models import Case
from tests.factories import make_case

pytestmark = pytest.mark.django_db
S = Case.Status


@pytest.fixture
def cases(world):
    return {
        "a_draft": make_case(world, S.DRAFT, community="a"),
        "a_submitted": make_case(world, S.SUBMITTED, community="a"),
        "b_submitted": make_case(world, S.SUBMITTED, community="b"),
        "c_submitted": make_case(world, S.SUBMITTED, community="c"),
    }


def visible(user):
    return set(selectors.case_list(user=user).values_list("number", flat=True))


def numbers(cases, *keys):
    return {cases[k].number for k in keys}


def test_clerk_sees_their_community(world, cases):
    assert visible(world.clerk_a) == numbers(cases, "a_draft", "a_submitted")
    assert visible(world.clerk_a2) == numbers(cases, "a_draft", "a_submitted")  # another office, same community
    assert visible(world.clerk_b) == numbers(cases, "b_submitted")
    assert visible(world.supervisor_a) == numbers(cases, "a_draft", "a_submitted")


def test_back_office_sees_submitted_cases_of_the_communities_it_serves(world, cases):
    # Drafts are still the front office's: the back office sees a case once it was submitted.
    for user in (world.specialist, world.head):
        assert visible(user) == numbers(cases, "a_submitted", "b_submitted")
    assert visible(world.specialist_other) == numbers(cases, "c_submitted")


def test_ministry_sees_no_case_applicant_or_document(world, cases):
    for user in (world.accountant, world.admin):
        assert visible(user) == set()
        assert not selectors.applicant_visible(user=user).exists()
        page = cases["a_submitted"].documents.first().pages.first()
        with pytest.raises(Http404):
            selectors.page_get(user=user, pk=page.pk)


def test_objects_of_other_tenants_are_404(world, cases):
    page = cases["a_submitted"].documents.first().pages.first()
    for user in (world.clerk_b, world.specialist_other):
        with pytest.raises(Http404):
            selectors.case_get(user=user, pk=cases["a_submitted"].pk)
        with pytest.raises(Http404):
            selectors.page_get(user=user, pk=page.pk)
        with pytest.raises(Http404):
            selectors.source_file_get(user=user, pk=page.source_id)
        with pytest.raises(Http404):
            selectors.applicant_get(user=user, pk=cases["a_submitted"].applicant_id)
    assert selectors.page_get(user=world.specialist, pk=page.pk) == page


def test_applicants_follow_cases(world, cases):
    mine = set(selectors.applicant_visible(user=world.clerk_a).values_list("pk", flat=True))
    assert mine == {cases["a_draft"].applicant_id, cases["a_submitted"].applicant_id}
    assert set(selectors.applicant_visible(user=world.specialist).values_list("pk", flat=True)) == {
        cases["a_submitted"].applicant_id,
        cases["b_submitted"].applicant_id,
    }


def test_exact_identifier_lookup_is_for_front_office_only(world, cases):
    person = cases["c_submitted"].applicant
    found = selectors.applicant_find_by_identifier(user=world.clerk_a, passport_number=person.passport_number)
    assert found == person  # one applicant nationally: a clerk finds them instead of registering them twice
    assert selectors.applicant_find_by_identifier(user=world.specialist, passport_number=person.passport_number) is None
    assert selectors.applicant_find_by_identifier(user=world.accountant, passport_number=person.passport_number) is None


def test_anonymous_sees_nothing(cases):
    from django.contrib.auth.models import AnonymousUser

    assert not selectors.case_list(user=AnonymousUser()).exists()
