"""Front-office reads, built on the kernel's scoped selectors."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from cases import clock, deadlines
from cases.access import access_for
from cases.exceptions import NotPermitted
from cases.lifecycle import Action
from cases.models import (
    Applicant,
    Case,
    CaseEvent,
    Document,
    FrontOffice,
    InboxMessage,
    InfoRequest,
    Page,
    ServiceType,
)
from cases.selectors import (
    applicant_find_by_identifier,
    applicant_visible,
    case_detail_queryset,
    case_list,
    case_visible,
)

S = Case.Status
LIST_LIMIT = 50


@dataclass
class ClerkBoard:
    drafts: QuerySet
    late_drafts: QuerySet
    needs_info: QuerySet
    to_hand_over: QuerySet
    submitted_today: QuerySet
    inbox: QuerySet
    counts: dict


def clerk_board(*, user) -> ClerkBoard:
    cases = case_list(user=user)
    today = clock.today()
    late = Q(status=S.DRAFT, created_at__date__lt=deadlines.front_office_on_time_since(today))
    kinds = {
        "drafts": Q(status=S.DRAFT),
        "late_drafts": late,
        "needs_info": Q(status=S.NEEDS_INFO),
        "to_hand_over": Q(status=S.DECIDED),
        "submitted_today": Q(submitted_at__date=today),
    }
    counts = case_visible(user=user).aggregate(**{k: Count("pk", filter=q) for k, q in kinds.items()})
    return ClerkBoard(
        drafts=cases.filter(kinds["drafts"]).order_by("created_at"),
        late_drafts=cases.filter(late).order_by("created_at"),
        needs_info=cases.filter(kinds["needs_info"]).order_by("updated_at"),
        to_hand_over=cases.filter(kinds["to_hand_over"]).order_by("decided_at"),
        submitted_today=cases.filter(kinds["submitted_today"]).order_by("-submitted_at"),
        inbox=inbox_unread(user=user),
        counts=counts,
    )


# --- Inbox --------------------------------------------------------------------------------------------------------


def _inbox_scope(user) -> Q:
    access = access_for(user)
    return Q(front_office_id__in=access.clerk_front_office_ids) | Q(
        front_office__community_id__in=access.supervisor_community_ids
    )


def inbox_unread(*, user) -> QuerySet[InboxMessage]:
    """Unread entries the back office left for the user's front offices (needs info, decided, rejected)."""
    return (
        InboxMessage.objects.filter(_inbox_scope(user), read_at__isnull=True)
        .select_related("case__applicant", "case__service_type", "front_office")
        .order_by("-created_at")
    )


def inbox_message_get(*, user, pk: int) -> InboxMessage:
    message = InboxMessage.objects.filter(_inbox_scope(user), pk=pk).select_related("case").first()
    if message is None:
        raise Http404
    return message


# --- Applicants ---------------------------------------------------------------------------------------------------


def applicant_search(
    *, user, rnokpp: str = "", passport_number: str = "", last_name: str = "", first_name: str = "", birth_date=None
) -> QuerySet[Applicant]:
    """Find a person the way a clerk asks: by RNOKPP, by document number (exact, across the country, so nobody
    is registered twice), or by name and date of birth (within what the user may see)."""
    rnokpp, passport_number = (rnokpp or "").strip(), (passport_number or "").strip().replace(" ", "")
    if rnokpp or passport_number:
        found = applicant_find_by_identifier(user=user, rnokpp=rnokpp, passport_number=passport_number)
        return Applicant.objects.filter(pk=found.pk if found else None)
    if not (last_name or first_name or birth_date):
        return applicant_visible(user=user).order_by("-created_at")
    qs = applicant_visible(user=user)
    for field, value in (("last_name", last_name), ("first_name", first_name)):
        value = (value or "").strip()
        if value:
            # iexact is ASCII-only on SQLite; the usual capitalisation makes "бондар" find "Бондар" there too.
            qs = qs.filter(Q(**{f"{field}__iexact": value}) | Q(**{field: value.title()}))
    if birth_date:
        qs = qs.filter(birth_date=birth_date)
    return qs


def applicant_for_clerk(*, user, pk: int, identifier: str = "") -> Applicant:
    """An applicant the clerk may open a case for: one they may see, or one whose RNOKPP or document number the
    clerk has just been shown by the person (the exact identifier must be given with the id)."""
    applicant = applicant_visible(user=user).filter(pk=pk).first()
    if applicant is None and identifier:
        identifier = identifier.strip().replace(" ", "").upper()
        found = applicant_find_by_identifier(
            user=user,
            rnokpp=identifier if identifier.isdigit() and len(identifier) == 10 else "",
            passport_number="" if identifier.isdigit() and len(identifier) == 10 else identifier,
        )
        applicant = found if found is not None and found.pk == pk else None
    if applicant is None:
        raise Http404
    return applicant


def applicant_cases(*, user, applicant: Applicant) -> QuerySet[Case]:
    return case_list(user=user, filters={"applicant": applicant.pk}).order_by("-created_at")


def clerk_front_offices(*, user) -> list[FrontOffice]:
    """The front offices the user works at as a clerk (where they may open cases)."""
    ids = access_for(user).clerk_front_office_ids
    return list(FrontOffice.objects.filter(pk__in=ids).select_related("community").order_by("name"))


# --- Cases --------------------------------------------------------------------------------------------------------


def cases_by_number(*, user, numbers: list[str]) -> dict[str, Case]:
    """The cases among ``numbers`` the user may see, by number (a duplicate elsewhere stays a bare number)."""
    return {case.number: case for case in case_list(user=user, filters={}).filter(number__in=numbers)}


def clerk_case_list(*, user, status: str = "", number: str = "") -> QuerySet[Case]:
    return case_list(user=user, filters={"status": status, "number": number.strip()}).order_by("-created_at")


def case_page_get(*, user, pk: int) -> Case:
    """A case with everything its page shows (documents, pages, types, events, the open information request)
    loaded in a fixed number of queries."""
    qs = case_list(user=user).prefetch_related(
        Prefetch(
            "documents",
            queryset=Document.objects.select_related("document_type").prefetch_related(
                Prefetch("pages", queryset=Page.objects.select_related("source").order_by("position", "pk"))
            ),
        ),
        Prefetch("events", queryset=CaseEvent.objects.select_related("actor")),
        Prefetch(
            "info_requests",
            queryset=InfoRequest.objects.select_related("requested_by").prefetch_related("items"),
        ),
        "refusal_grounds",
        "service_type__checklist__document_types",
    )
    case = qs.filter(pk=pk).first()
    if case is None:
        raise Http404
    return case


def open_info_request(case: Case) -> InfoRequest | None:
    """The back office's unanswered request (from the prefetched ``info_requests``)."""
    return next((r for r in case.info_requests.all() if r.answered_at is None), None)


# --- Transfer register --------------------------------------------------------------------------------------------


@dataclass
class RegisterLine:
    at: object
    case: Case
    action: str
    pages: int


def transfer_register(*, user, front_office: FrontOffice, day: date) -> list[RegisterLine]:
    """The packages ``front_office`` passed to the back office on ``day`` (first submissions and resubmissions),
    in time order: the paper trail behind the community's fee claim."""
    visible = case_list(user=user).filter(front_office=front_office)
    events = (
        CaseEvent.objects.filter(
            case__in=visible.values("pk"), action__in=(Action.SUBMIT, Action.RESUBMIT), at__date=day
        )
        .select_related("case__applicant", "case__service_type", "case__back_office", "case__application")
        .annotate(pages=Count("case__documents__pages"))
        .order_by("at", "pk")
    )
    return [RegisterLine(at=e.at, case=e.case, action=e.action, pages=e.pages) for e in events]


# --- API ----------------------------------------------------------------------------------------------------------


def clerk_front_office(*, user, code: str = "") -> FrontOffice:
    """The front office the clerk acts for: the one named by ``code`` (it must be theirs), else their first."""
    offices = clerk_front_offices(user=user)
    if code:
        offices = [fo for fo in offices if fo.code == code]
    if not offices:
        raise NotPermitted(_("You are not a clerk of that front office."))
    return offices[0]


def clerk_case_list_api(*, user, filters: dict) -> QuerySet[Case]:
    return case_list(user=user, filters={k: v for k, v in filters.items() if v}).order_by("-created_at", "-pk")


def case_detail_for_api(*, user) -> QuerySet[Case]:
    """Cases with what the API's detail shows, in a fixed number of queries."""
    return case_detail_queryset(user=user).prefetch_related("service_type__checklist__document_types")


def document_with_pages(*, pk: int) -> Document:
    return Document.objects.select_related("document_type").prefetch_related("pages").get(pk=pk)


def register_front_offices(*, user) -> list[FrontOffice]:
    """Front offices whose transfer register the user may print: those of their communities."""
    ids = access_for(user).community_ids
    return list(FrontOffice.objects.filter(community_id__in=ids).select_related("community").order_by("name"))


def case_for_write(*, user, pk) -> Case:
    """Just enough of a visible case for a service to lock it and act (uploads are frequent: one light query)."""
    case = case_visible(user=user).filter(pk=pk).only("pk", "community_id", "status").first()
    if case is None:
        raise Http404
    return case


def service_with_checklist(*, pk) -> ServiceType | None:
    if not str(pk or "").isdigit():
        return None
    return ServiceType.objects.filter(pk=pk, active=True).prefetch_related("checklist__document_types").first()
