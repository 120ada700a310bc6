"""``cases.files.file_response``: the one way a file leaves the product, with the same safe headers every time."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404

from cases.files import file_response


def test_generated_content_is_private_not_sniffed_and_named_by_rfc_6266():
    response = file_response(content=b"%PDF-1.7", content_type="application/pdf", filename="відомість 05.2026.pdf")
    assert response.content == b"%PDF-1.7"
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"]
        == "inline; filename*=utf-8''%D0%B2%D1%96%D0%B4%D0%BE%D0%BC%D1%96%D1%81%D1%82%D1%8C%2005.2026.pdf"
    )
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response["Content-Security-Policy"]


def test_an_ascii_name_is_quoted_and_control_characters_cannot_break_the_header():
    response = file_response(content=b"a,b", content_type="text/csv", filename='x"\r\nSet-Cookie: y.csv', inline=False)
    assert response["Content-Disposition"] == 'attachment; filename="x\\"Set-Cookie: y.csv"'
    assert "Set-Cookie" not in {k for k, _v in response.items()}
    assert file_response(content=b"", content_type="text/csv", inline=False)["Content-Disposition"] == "attachment"


def test_a_stored_file_is_streamed_and_a_missing_one_is_not_found():
    name = default_storage.save("cases/1/page.jpg", ContentFile(b"\xff\xd8\xff jpeg"))
    response = file_response(stored=name, content_type="image/jpeg")
    assert b"".join(response.streaming_content) == b"\xff\xd8\xff jpeg"
    assert response["Content-Disposition"] == "inline"  # not the storage name
    assert response["Cache-Control"] == "private, no-store"
    for missing in ("", "cases/1/none.jpg"):
        with pytest.raises(Http404):
            file_response(stored=missing, content_type="image/jpeg")
    with pytest.raises(TypeError):
        file_response(content=b"x", stored=name, content_type="image/jpeg")


def test_no_view_builds_its_own_file_headers():
    """One helper instead of six: no app module but ``cases/files.py`` sets these headers by hand."""
    base = Path(settings.BASE_DIR)
    offenders = []
    for app in ("cases", "frontoffice", "backoffice", "payments"):
        for path in (base / app).rglob("*.py"):
            if path == base / "cases" / "files.py" or "migrations" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            if re.search(r"""\[["'](Content-Disposition|Cache-Control)["']\]|\bFileResponse\(""", text):
                offenders.append(str(path.relative_to(base)))
    assert offenders == []
