"""The clerk's batch pages: upload, progress, placing what is left, labelling unsorted documents, sheets."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from frontoffice.models import ScanBatch
from frontoffice.services import uploaded
from tests import corpus
from tests.factories import committed, make_case
from tests.frontoffice.batches.stacks import content, cover, run_batch, separator, stack_pdf

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]  # they read messages' words


@pytest.fixture
def clerk(client, world):
    client.force_login(world.clerk_a)
    return client


def test_the_batch_list_offers_upload_sheets_and_the_scanner_folder(clerk, world, django_assert_max_num_queries):
    run_batch(world.fo_a, world.clerk_a, [uploaded(stack_pdf([content()]), "first.pdf")])
    with django_assert_max_num_queries(8):
        response = clerk.get(reverse("frontoffice:batch-list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "first.pdf" in html and 'enctype="multipart/form-data"' in html
    assert reverse("frontoffice:separator-sheets") in html
    assert world.fo_a.code in html  # the scanner folder's path


def test_only_front_office_users_reach_the_batch_pages(client, world):
    client.force_login(world.specialist)
    assert client.get(reverse("frontoffice:batch-list")).status_code == 404


def test_upload_through_the_page_routes_and_shows_the_outcome(clerk, world):
    case = make_case(world)
    stack = uploaded(stack_pdf([cover(case), content(), content()]), "stack.pdf")
    with committed():
        response = clerk.post(reverse("frontoffice:batch-upload"), {"files": [stack], "front_office": world.fo_a.pk})
    batch = ScanBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("frontoffice:batch-detail", args=[batch.pk])
    page = clerk.get(response["Location"]).content.decode()
    assert case.number in page and "hx-trigger" not in page  # done: no polling
    assert case.documents.get().pages.count() == 2


def test_a_refused_upload_says_why_and_stores_nothing(clerk, world):
    bad = uploaded(corpus.bad("encrypted.pdf"), "locked.pdf")
    response = clerk.post(reverse("frontoffice:batch-upload"), {"files": [bad], "front_office": world.fo_a.pk})
    assert response.status_code == 400
    assert "password-protected" in response.content.decode()
    assert not ScanBatch.objects.exists()


def test_the_detail_page_costs_the_same_queries_for_a_long_stack(clerk, world, django_assert_max_num_queries):
    case = make_case(world)
    short = run_batch(world.fo_a, world.clerk_a, [uploaded(stack_pdf([content(), cover(case), content()]), "a.pdf")])
    long = run_batch(
        world.fo_a,
        world.clerk_a,
        [uploaded(stack_pdf([content() for _ in range(6)] + [cover(case)] + [content() for _ in range(8)]), "b.pdf")],
    )
    for batch in (short, long):
        with django_assert_max_num_queries(14):
            response = clerk.get(reverse("frontoffice:batch-detail", args=[batch.pk]))
        assert response.status_code == 200


def test_progress_polls_while_reading_and_reloads_the_page_when_done(clerk, world):
    batch_id = None
    from frontoffice.batches.services.create import batch_create
    from frontoffice.batches.services.run import batch_process

    batch = batch_create(
        front_office=world.fo_a, files=[uploaded(stack_pdf([content()]), "s.pdf")], by=world.clerk_a
    )  # not committed: still waiting
    batch_id = batch.pk
    page = clerk.get(reverse("frontoffice:batch-detail", args=[batch_id])).content.decode()
    assert 'hx-trigger="every 2s"' in page and "http-equiv" in page  # polls; reloads without JavaScript too
    partial = clerk.get(reverse("frontoffice:batch-progress", args=[batch_id]), HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and b"<progress" in partial.content and b"<html" not in partial.content

    with committed():
        batch_process(batch_id=batch_id)
    done = clerk.get(reverse("frontoffice:batch-progress", args=[batch_id]), HTTP_HX_REQUEST="true")
    assert done.status_code == 204 and done["HX-Refresh"] == "true"
    plain = clerk.get(reverse("frontoffice:batch-progress", args=[batch_id]))
    assert plain.status_code == 302


def test_the_clerk_places_unrouted_pages_and_discards_a_blank_one(clerk, world):
    case = make_case(world)
    batch = run_batch(world.fo_a, world.clerk_a, [uploaded(stack_pdf([content(), content(), content()]), "s.pdf")])
    page = clerk.get(reverse("frontoffice:batch-detail", args=[batch.pk])).content.decode()
    assert "Before the first cover sheet" in page and case.number in page  # offered in the case list

    with committed():
        response = clerk.post(
            reverse("frontoffice:batch-assign", args=[batch.pk]),
            {"pages": ["1", "2"], "case_number": case.number.lower(), "document_type": "passport"},
        )
    assert response.status_code == 302
    assert case.documents.get().document_type.code == "passport"
    response = clerk.post(reverse("frontoffice:batch-discard", args=[batch.pk]), {"pages": ["3"]})
    assert response.status_code == 302
    assert list(batch.pages.values_list("status", flat=True)) == ["routed", "routed", "discarded"]

    unknown = clerk.post(
        reverse("frontoffice:batch-assign", args=[batch.pk]), {"pages": ["1"], "case_number": "UA1-2020-1"}
    )
    assert unknown.status_code == 302  # a message, nothing changed


def test_unsorted_documents_are_labelled_from_the_batch_page(clerk, world):
    case = make_case(world)
    batch = run_batch(
        world.fo_a, world.clerk_a, [uploaded(stack_pdf([cover(case), content(), separator(), content()]), "s.pdf")]
    )
    page = clerk.get(reverse("frontoffice:batch-detail", args=[batch.pk])).content.decode()
    assert "Unsorted documents" in page
    first = case.documents.first()
    response = clerk.post(
        reverse("frontoffice:batch-document-label", args=[batch.pk, first.pk]), {"document_type": "income"}
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.document_type.code == "income"
    other = make_case(world)
    with committed():
        from frontoffice import services as front

        stranger = front.document_add(
            case=other, document_type=None, files=[uploaded(stack_pdf([content()]), "x")], by=world.clerk_a
        )
    response = clerk.post(
        reverse("frontoffice:batch-document-label", args=[batch.pk, stranger.pk]), {"document_type": "income"}
    )
    assert response.status_code == 404  # only this batch's documents


def test_thumbnails_and_sheets_respect_the_community(client, world):
    case = make_case(world)
    batch = run_batch(world.fo_a, world.clerk_a, [uploaded(stack_pdf([cover(case), content()]), "s.pdf")])
    client.force_login(world.clerk_b)
    assert client.get(reverse("frontoffice:batch-page-thumbnail", args=[batch.pk, 2])).status_code == 404
    assert client.get(reverse("frontoffice:batch-detail", args=[batch.pk])).status_code == 404
    assert client.get(reverse("frontoffice:case-cover-sheet", args=[case.pk])).status_code == 404
    client.force_login(world.clerk_a)
    thumb = client.get(reverse("frontoffice:batch-page-thumbnail", args=[batch.pk, 2]))
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    sheet = client.get(reverse("frontoffice:case-cover-sheet", args=[case.pk]))
    assert sheet.status_code == 200 and sheet.content.startswith(b"%PDF")
    for query in ("", "?plain=1", "?document_type=passport"):
        response = client.get(reverse("frontoffice:separator-sheets") + query)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_the_cover_sheet_button_for_the_case_page(world):
    case = make_case(world)
    html = render_to_string("frontoffice/batches/partials/cover_sheet_button.html", {"case": case})
    assert reverse("frontoffice:case-cover-sheet", args=[case.pk]) in html


def test_a_supervisor_reads_the_batches_but_has_no_upload_form(client, world):
    client.force_login(world.supervisor_a)
    html = client.get(reverse("frontoffice:batch-list")).content.decode()
    assert "Only a front-office clerk uploads stacks." in html and "multipart/form-data" not in html
