"""The front office's printouts: the applicant's receipt, the decision notice, the daily transfer register.

Drawn with the kernel's toolkit (``cases.pdf``: DejaVu fonts for Cyrillic, QR codes). Pure functions of loaded
objects; callers load them through selectors.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from cases.checklist import in_checklist_order
from cases.models import Case
from cases.pdf import FONT, FONT_BOLD, MARGIN, PAGE_HEIGHT, PAGE_WIDTH, Writer, decision_notice_pdf, draw_qr, wrap

__all__ = ["application_receipt_pdf", "decision_notice_pdf", "receipt_pdf", "transfer_register_pdf"]

LINE = 6 * mm


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%d.%m.%Y %H:%M") if moment else "—"


def _office(case: Case) -> str:
    fo = case.front_office
    return ", ".join(p for p in (fo.name, fo.address) if p)


def receipt_pdf(case: Case) -> bytes:
    """What the applicant takes home: number, who, what, where, when, the documents and pages received, and a
    QR code with the case number. ``case`` with documents (types, pages) prefetched."""
    w = Writer(_("Receipt %(number)s") % {"number": case.number})
    qr_size = 34 * mm
    draw_qr(w.canvas, case.number, PAGE_WIDTH - MARGIN - qr_size, PAGE_HEIGHT - MARGIN - qr_size, qr_size)
    w.text(_("Receipt for documents received"), size=16, bold=True)
    w.text(_("Case number"), size=10)
    w.text(case.number, size=18, bold=True)
    w.y = min(w.y, PAGE_HEIGHT - MARGIN - qr_size - 4 * mm)
    w.rule()
    w.pair(_("Applicant"), case.applicant.full_name)
    w.pair(_("Date of birth"), case.applicant.birth_date.strftime("%d.%m.%Y"))
    w.pair(_("Service"), case.service_type.name)
    w.pair(_("Front office"), _office(case))
    w.pair(_("To be decided by"), case.back_office.name)
    w.pair(_("Received"), _local(case.first_submitted_at or case.submitted_at or case.created_at))
    if case.due_date:
        w.pair(_("Decision due by"), case.due_date.strftime("%d.%m.%Y"))
    w.rule()
    w.text(_("Documents received"), size=12, bold=True)
    total = 0
    for number, document in enumerate(in_checklist_order(case, list(case.documents.all())), start=1):
        pages = len(document.pages.all())
        total += pages
        name = document.document_type.name if document.document_type else _("Unsorted pages")
        line = ngettext("%(n)d. %(name)s — %(pages)d page", "%(n)d. %(name)s — %(pages)d pages", pages)
        w.text(line % {"n": number, "name": name, "pages": pages}, indent=4 * mm)
    w.text(_("Total pages: %(total)d") % {"total": total}, bold=True)
    w.rule()
    w.text(
        _(
            "Keep this receipt. Quote the case number when you ask about your application; the decision will be "
            "handed to you at this front office."
        ),
        size=9,
    )
    w.y -= 10 * mm
    w.text(_("Clerk: ____________________        Applicant: ____________________"), size=10)
    return w.done()


def _cell(text: str, size: float, width: float) -> list[str]:
    """``text`` wrapped into a column; a word wider than the column breaks after a hyphen, else where it must."""
    lines = []
    for line in wrap(text, FONT, size, width):
        while stringWidth(line, FONT, size) > width:
            cut = len(line)
            while cut > 1 and stringWidth(line[:cut], FONT, size) > width:
                cut -= 1
            hyphen = line.rfind("-", 0, cut)
            cut = hyphen + 1 if hyphen > 0 else cut
            lines.append(line[:cut])
            line = line[cut:]
        lines.append(line)
    return lines


def _number(line) -> str:
    return line.case.number + (" *" if line.action == "resubmit" else "")


def transfer_register_pdf(*, front_office, day, lines) -> bytes:
    """The daily register of packages passed to the back office, with a line for signatures."""
    w = Writer(_("Transfer register %(office)s %(day)s") % {"office": front_office.code, "day": day})
    w.text(_("Register of packages passed to the back office"), size=15, bold=True)
    w.pair(_("Front office"), front_office.name)
    w.pair(_("Community"), front_office.community.name)
    w.pair(_("Date"), day.strftime("%d.%m.%Y"))
    w.rule()
    # Column widths measured against the longest case number (a 31-character number at 8 pt is about 49 mm), so
    # nothing overprints: names and services wrap inside their own column, and the row is as tall as its tallest.
    size, leading = 8, 10
    width = PAGE_WIDTH - 2 * MARGIN
    pages_w = 12 * mm
    number_w = max((stringWidth(_number(line), FONT, size) for line in lines), default=30 * mm) + 3 * mm
    fixed = [("#", 7 * mm), (_("Time"), 11 * mm), (_("Case"), number_w)]
    rest = width - sum(w_ for _t, w_ in fixed) - pages_w
    columns = [*fixed, (_("Applicant"), rest * 0.42), (_("Service"), rest * 0.58)]
    starts = [sum(w_ for _t, w_ in columns[:i]) for i in range(len(columns))]

    def header() -> None:
        w.need(LINE)
        w.canvas.setFont(FONT_BOLD, size)
        for x, (title, _w) in zip(starts, columns, strict=True):
            w.canvas.drawString(MARGIN + x, w.y - size, title)
        w.canvas.drawRightString(PAGE_WIDTH - MARGIN, w.y - size, _("Pages"))
        w.y -= leading + 4

    header()
    for n, line in enumerate(lines, start=1):
        values = [
            str(n),
            timezone.localtime(line.at).strftime("%H:%M"),
            _number(line),
            line.case.applicant.full_name,
            line.case.service_type.name,
        ]
        cells = [_cell(value, size, col_w - 2 * mm) for value, (_t, col_w) in zip(values, columns, strict=True)]
        height = max(len(cell) for cell in cells) * leading + 3
        if w.y - height < MARGIN:
            w.canvas.showPage()
            w.y = PAGE_HEIGHT - MARGIN
            header()
        w.canvas.setFont(FONT, size)
        for x, cell in zip(starts, cells, strict=True):
            for i, text in enumerate(cell):
                w.canvas.drawString(MARGIN + x, w.y - size - i * leading, text)
        w.canvas.drawRightString(PAGE_WIDTH - MARGIN, w.y - size, str(line.pages))
        w.y -= height
    w.rule()
    w.text(
        _("Packages: %(count)d; pages: %(pages)d.") % {"count": len(lines), "pages": sum(line.pages for line in lines)},
        size=10,
    )
    if any(line.action == "resubmit" for line in lines):
        w.text(_("* resubmitted after a request for information."), size=9)
    w.y -= 10 * mm
    w.text(_("Passed by (front office): ____________________   Received by (back office): ____________________"))
    return w.done()


def application_receipt_pdf(application) -> bytes:
    """One receipt for a visit of several services (issue 13): the application's number, who applied, every case
    with its number, service, back office and deadline, and the documents received once for all of them.
    ``application`` from ``cases.selectors.application_get`` (cases with services and back offices prefetched)."""
    from cases.checklist import documents_for

    cases = list(application.cases.all())
    w = Writer(_("Receipt %(number)s") % {"number": application.number})
    qr_size = 34 * mm
    draw_qr(w.canvas, application.number, PAGE_WIDTH - MARGIN - qr_size, PAGE_HEIGHT - MARGIN - qr_size, qr_size)
    w.text(_("Receipt for one application for several services"), size=16, bold=True)
    w.text(_("Application number"), size=10)
    w.text(application.number, size=18, bold=True)
    w.y = min(w.y, PAGE_HEIGHT - MARGIN - qr_size - 4 * mm)
    w.rule()
    w.pair(_("Applicant"), application.applicant.full_name)
    w.pair(_("Date of birth"), application.applicant.birth_date.strftime("%d.%m.%Y"))
    w.pair(
        _("Front office"), ", ".join(p for p in (application.front_office.name, application.front_office.address) if p)
    )
    w.pair(_("Received"), _local(application.created_at))
    if application.bundle_id:
        w.pair(_("Life event"), application.bundle.name)
    w.rule()
    w.text(_("Services asked for, each its own case"), size=12, bold=True)
    for n, case in enumerate(cases, start=1):
        w.text(f"{n}. {case.service_type.name}", bold=True, indent=4 * mm)
        w.pair(_("Case number"), case.number)
        w.pair(_("Status"), str(case.get_status_display()))
        w.pair(_("Decided in"), case.back_office.name)
        w.pair(_("Decision due by"), case.due_date.strftime("%d.%m.%Y") if case.due_date else _("once submitted"))
    w.rule()
    w.text(_("Documents received"), size=12, bold=True)
    seen: set[int] = set()
    total = 0
    for case in cases:
        for document in documents_for(case):
            if document.pk in seen:
                continue
            seen.add(document.pk)
            pages = len(document.pages.all())
            total += pages
            name = document.document_type.name if document.document_type else _("Unsorted pages")
            line = ngettext("%(n)d. %(name)s — %(pages)d page", "%(n)d. %(name)s — %(pages)d pages", pages)
            w.text(line % {"n": len(seen), "name": name, "pages": pages}, indent=4 * mm)
    w.text(_("Total pages: %(total)d") % {"total": total}, bold=True)
    w.rule()
    w.text(
        _(
            "Keep this receipt. Each service is decided on its own: quote its case number when you ask about it; a "
            "request for more documents or a refusal on one never holds up the others."
        ),
        size=9,
    )
    return w.done()
