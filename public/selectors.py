"""What a person sees on the status page: their cases in plain words, scoped to the session's applicant only.
A constant number of queries whatever the data size (one for cases, one per prefetch, the access sources)."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, InfoRequest
from public.data_access import data_access
from public.models import StatusSession

S = Case.Status

STATUS_TEXT = {
    S.DRAFT: lambda: _("The front office is preparing your documents."),
    S.SUBMITTED: lambda: _("Your documents were passed to the department and wait for a specialist."),
    S.IN_REVIEW: lambda: _("A specialist is reviewing your application."),
    S.NEEDS_INFO: lambda: _("More documents are needed: see below."),
    S.REFUSAL_PENDING: lambda: _("The decision is being confirmed by the head of the department."),
    S.DECIDED: lambda: _("Decided. The decision notice is ready: download it or collect it at the front office."),
    S.CLOSED: lambda: _("Decided. You have received the decision notice."),
    S.WITHDRAWN: lambda: _("Withdrawn at your request."),
    S.INTAKE_REJECTED: lambda: _("Not accepted as an application; the front office will tell you why."),
}


def session_cases(*, session: StatusSession):
    open_requests = InfoRequest.objects.filter(answered_at__isnull=True).prefetch_related("items__document_types")
    return (
        Case.objects.filter(applicant_id=session.applicant_id)
        .select_related("service_type", "front_office", "back_office", "applicant")
        .prefetch_related("refusal_grounds", Prefetch("info_requests", queryset=open_requests, to_attr="open_requests"))
        .order_by("-created_at", "-pk")
    )


def session_case_get(*, session: StatusSession, number: str) -> Case:
    return get_object_or_404(session_cases(session=session), number=number)


def _case_row(case: Case) -> dict:
    missing, due = [], case.due_date if case.is_open else None
    if case.status == S.NEEDS_INFO and case.open_requests:
        request = case.open_requests[0]
        missing = [item.title for item in request.items.all()] + [request.message]
        due = timezone.localdate(request.created_at) + timedelta(days=settings.PUBLIC_UPLOAD_LINK_DAYS)
    decision = None
    if case.status in (S.DECIDED, S.CLOSED) and case.decision:
        decision = {
            "result": case.decision,
            "text": case.get_decision_display(),
            "explanation": case.decision_reason,
            "grounds": [g.text for g in case.refusal_grounds.all()],
            "decided_at": case.decided_at,
            "notice": f"/status/notice/{case.number}.pdf",
        }
    return {
        "number": case.number,
        "service": case.service_type.name,
        "status": case.status,
        "status_text": STATUS_TEXT[case.status](),
        "missing": missing,
        "due_date": due,
        "decision": decision,
        "front_office": case.front_office.name,
    }


def status_overview(*, session: StatusSession) -> dict:
    """``{applications: [{number, cases: [...]}], data_access: [...]}``. Until the kernel has applications of
    several services, each case is its own application and the receipt number is the case number."""
    cases = list(session_cases(session=session))
    return {
        "applications": [{"number": case.number, "cases": [_case_row(case)]} for case in cases],
        "data_access": data_access(cases=cases),
    }
