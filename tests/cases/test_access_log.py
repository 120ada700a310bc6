import pytest
from django.urls import reverse

from cases.models import Case
from tests.factories import make_case

pytestmark = pytest.mark.django_db


def test_file_views_are_logged_and_shown_to_supervisor_and_head(client, world, django_assert_max_num_queries):
    case = make_case(world, Case.Status.SUBMITTED)
    other = make_case(world, Case.Status.SUBMITTED, community="c")
    page = case.documents.first().pages.first()
    client.force_login(world.specialist)
    client.get(reverse("page-image", args=[page.pk]))
    client.get(reverse("source-file", args=[page.source_id]))
    client.get(reverse("case-package-pdf", args=[case.pk]))
    client.force_login(world.specialist_other)
    client.get(reverse("page-image", args=[other.documents.first().pages.first().pk]))

    for overseer in (world.supervisor_a, world.head):
        client.force_login(overseer)
        with django_assert_max_num_queries(8):
            response = client.get(reverse("access-log"))
        entries = list(response.context["page"].object_list)
        assert [(e.user, e.what) for e in entries] == [
            (world.specialist, "package_pdf"),
            (world.specialist, "original"),
            (world.specialist, "page"),
        ]  # newest first; back office 2's view of community C is not theirs to see
        assert "specialist" in response.content.decode()
    client.force_login(world.head)
    filtered = client.get(reverse("access-log"), {"number": other.number}).context["page"].object_list
    assert list(filtered) == []


@pytest.mark.parametrize("role", ["clerk_a", "specialist", "accountant", "admin"])
def test_the_log_is_not_for_those_it_watches(client, world, role):
    client.force_login(getattr(world, role))
    assert client.get(reverse("access-log")).status_code == 404
