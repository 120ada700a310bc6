""" "Who looked at my data": each source is ``fn(*, cases) -> list[dict]`` with keys ``at``, ``office``, ``what``,
``purpose``; the list in ``settings.PUBLIC_DATA_ACCESS_SOURCES`` is asked in turn (a registries app adds its
queries there). Staff are named by their office, never by their person."""

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import AccessLogEntry, Membership

FILE_VIEWS = {
    "page": (gettext_lazy("a page of your documents"), gettext_lazy("reviewing your application")),
    "original": (gettext_lazy("an original file you handed in"), gettext_lazy("reviewing your application")),
    "package_pdf": (
        gettext_lazy("the PDF of your whole package"),
        gettext_lazy("reviewing or archiving your application"),
    ),
}


def _offices(user_ids: set[int]) -> dict[int, str]:
    names: dict[int, str] = {}
    rows = Membership.objects.filter(user_id__in=user_ids).select_related("front_office", "community", "back_office")
    for m in rows.order_by("pk"):
        office = m.front_office or m.back_office or m.community
        names.setdefault(m.user_id, office.name if office else _("the ministry"))
    return names


def file_views(*, cases) -> list[dict]:
    """Views of the person's files by staff (``cases.AccessLogEntry``)."""
    entries = list(AccessLogEntry.objects.filter(case__in=cases).select_related("case").order_by("-at", "-pk")[:200])
    offices = _offices({e.user_id for e in entries})
    out = []
    for e in entries:
        what, purpose = FILE_VIEWS.get(e.what, (e.what, _("reviewing your application")))
        out.append(
            {
                "at": e.at,
                "case": e.case.number,
                "office": offices.get(e.user_id, "—"),
                "what": str(what),
                "purpose": str(purpose),
            }
        )
    return out


def data_access(*, cases) -> list[dict]:
    rows: list[dict] = []
    for path in settings.PUBLIC_DATA_ACCESS_SOURCES:
        rows.extend(import_string(path)(cases=cases))
    rows.sort(key=lambda r: r["at"], reverse=True)
    return rows
