"""One way to send a file to a browser or an API client: every download of the product goes through
``file_response``, after the view has checked access (and recorded it in the access log where the file is an
applicant's). What it adds is the same for every file:

- ``Content-Disposition`` by RFC 6266: ``inline`` or ``attachment``, the name as ``filename="…"`` when it is ASCII
  and as ``filename*=utf-8''…`` otherwise (Django's ``content_disposition_header``); control characters dropped, so
  no name can break the header;
- ``Cache-Control: private, no-store``: these are private files (applicants' documents, statements, registers);
  neither a shared cache nor the browser's disk keeps a copy after the session;
- ``X-Content-Type-Options: nosniff`` and a CSP that allows nothing to run: a stored file is shown as the type we
  decided from its content, never sniffed into a page.
"""

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.utils.http import content_disposition_header

PDF = "application/pdf"
FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"


def file_response(
    *,
    content_type: str,
    content: bytes | None = None,
    stored: str | None = None,
    filename: str = "",
    inline: bool = True,
) -> HttpResponse:
    """A response with ``content`` (bytes made for this request: a printout, an export) or the file ``stored`` under
    that name in the default storage (streamed; an empty name or a missing file is a 404). Give exactly one."""
    if (content is None) == (stored is None):
        raise TypeError("file_response takes content or stored, not both")
    if content is not None:
        response = HttpResponse(content, content_type=content_type)
    else:
        if not stored:
            raise Http404
        try:
            handle = default_storage.open(stored, "rb")
        except OSError:  # FileNotFoundError included
            raise Http404 from None
        response = FileResponse(handle, content_type=content_type)
    filename = "".join(ch for ch in filename if ch.isprintable()).strip()
    if filename:
        response["Content-Disposition"] = content_disposition_header(not inline, filename)
    else:
        response["Content-Disposition"] = "inline" if inline else "attachment"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    return response
