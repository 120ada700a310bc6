"""Text answers are gzipped for a slow line; files that are already compressed are not touched."""

import gzip

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_pages_are_gzipped_and_the_csrf_token_differs_in_each_response(client, world):
    client.force_login(world.clerk_a)
    first = client.get(reverse("frontoffice:home"), HTTP_ACCEPT_ENCODING="gzip")
    second = client.get(reverse("frontoffice:home"), HTTP_ACCEPT_ENCODING="gzip")
    assert first["Content-Encoding"] == "gzip" and "Accept-Encoding" in first["Vary"]
    html = gzip.decompress(first.content).decode()
    assert "<html" in html and len(first.content) < len(html.encode()) / 2
    import re

    tokens = [
        re.search(r'"X-CSRFToken": "([^"]+)"', gzip.decompress(r.content).decode()).group(1) for r in (first, second)
    ]
    assert tokens[0] != tokens[1]  # masked per response: nothing stable for BREACH to guess at


def test_without_accept_encoding_the_page_is_plain(client, world):
    client.force_login(world.clerk_a)
    response = client.get(reverse("frontoffice:home"))
    assert not response.has_header("Content-Encoding") and b"<html" in response.content


def test_pdfs_and_images_are_not_recompressed(client, world):
    from cases.models import Case
    from tests.factories import make_case

    case = make_case(world, Case.Status.SUBMITTED)
    client.force_login(world.clerk_a)
    receipt = client.get(reverse("frontoffice:case-receipt", args=[case.pk]), HTTP_ACCEPT_ENCODING="gzip")
    page = case.documents.first().pages.first()
    image = client.get(reverse("page-image", args=[page.pk]), HTTP_ACCEPT_ENCODING="gzip")
    assert receipt.status_code == 200 and not receipt.has_header("Content-Encoding")
    assert image.status_code == 200 and not image.has_header("Content-Encoding")
