"""Back-office reads, built on the kernel's scoped selectors. Every function here answers in a fixed number of
queries whatever the size of the data (the queue and review pages pin them in tests)."""

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from cases import clock, deadlines
from cases.access import access_for
from cases.checklist import ChecklistLine, checklist_for, documents_for
from cases.lifecycle import CASES, Action
from cases.models import (
    Case,
    ChecklistItem,
    Community,
    Document,
    FrontOffice,
    InfoRequest,
    Membership,
    Page,
    RefusalGround,
    ServiceType,
    User,
)
from cases.selectors import case_detail_queryset, case_list
from registries.models import Registry

S = Case.Status
R = Membership.Role
# Statuses in which the back office is the one expected to act (the decision clock runs).
BACK_OFFICE_OPEN = (S.SUBMITTED, S.IN_REVIEW, S.REFUSAL_PENDING)
HELD = (S.IN_REVIEW, S.NEEDS_INFO, S.REFUSAL_PENDING)
# What a row of the case lists shows besides the case itself.
LIST_RELATED = ("applicant", "service_type", "community", "front_office")


@dataclass(frozen=True)
class Today:
    """Today and the last due date that counts as due soon, computed once per request."""

    day: date
    soon_until: date

    @classmethod
    def now(cls) -> "Today":
        day = clock.today()
        return cls(day=day, soon_until=deadlines.due_soon_until(day))

    def mark(self, case: Case) -> str:
        """Overdue / due soon — for cases still open; a decided, closed or withdrawn case has no deadline left."""
        if not case.is_open:
            return ""
        return deadlines.due_mark(
            case.due_date, today=self.day, soon_until=self.soon_until, paused=case.clock_paused_at is not None
        )


def back_cases(*, user) -> QuerySet[Case]:
    """Cases routed to the user's back offices once submitted (a clerk-and-specialist sees only those here)."""
    ids = access_for(user).back_office_ids
    if not ids:
        return Case.objects.none()
    return case_list(user=user).filter(back_office_id__in=ids, first_submitted_at__isnull=False)


# --- The queue ----------------------------------------------------------------------------------------------------


def queue_base(*, user) -> QuerySet[Case]:
    """The shared queue of my back offices: waiting and unclaimed, due date first, then arrival.

    The scope is the kernel's (``cases.selectors.case_scope``: my back offices' cases once submitted), written out
    so that PostgreSQL answers from the partial index ``case_queue`` alone: a waiting case has been submitted and
    has no assignee by construction, so neither needs checking row by row.
    """
    return (
        Case.objects.filter(status=S.SUBMITTED, back_office_id__in=access_for(user).back_office_ids)
        .select_related(*LIST_RELATED)
        .order_by("due_date", "submitted_at", "pk")
    )


def queue_filter(qs: QuerySet[Case], filters: dict, today: Today) -> QuerySet[Case]:
    """Narrow the queue by service (code), community, front office (ids), channel and due (soon | overdue)."""
    if service := filters.get("service"):
        qs = qs.filter(service_type_id=service.pk) if hasattr(service, "pk") else qs.filter(service_type__code=service)
    if community := filters.get("community"):
        qs = qs.filter(community_id=getattr(community, "pk", community))
    if front_office := filters.get("front_office"):
        qs = qs.filter(front_office_id=getattr(front_office, "pk", front_office))
    if channel := filters.get("channel"):
        qs = qs.filter(channel=channel)
    due = filters.get("due")
    if due == "overdue":
        qs = qs.filter(due_date__lt=today.day)
    elif due == "soon":
        qs = qs.filter(due_date__gte=today.day, due_date__lte=today.soon_until)
    return qs


def queue_list(*, user, filters: dict | None = None, today: Today | None = None) -> QuerySet[Case]:
    return queue_filter(queue_base(user=user), filters or {}, today or Today.now())


@dataclass(frozen=True)
class QueueCounts:
    waiting: int
    due_soon: int
    overdue: int
    mine: int
    refusals_pending: int


def queue_counts(*, user, today: Today | None = None) -> QueueCounts:
    """The figures above the queue (three queries, each on an index)."""
    today = today or Today.now()
    waiting = (
        queue_base(user=user)
        .order_by()
        .aggregate(
            waiting=Count("pk"),
            due_soon=Count("pk", filter=Q(due_date__gte=today.day, due_date__lte=today.soon_until)),
            overdue=Count("pk", filter=Q(due_date__lt=today.day)),
        )
    )
    head_ids = access_for(user).head_back_office_ids
    refusals = (
        back_cases(user=user).filter(status=S.REFUSAL_PENDING, back_office_id__in=head_ids).count() if head_ids else 0
    )
    return QueueCounts(**waiting, mine=mine_list(user=user).count(), refusals_pending=refusals)


def mine_list(*, user) -> QuerySet[Case]:
    """The cases I hold: in review, waiting for the front office, or a refusal of mine awaiting the head."""
    return (
        back_cases(user=user)
        .filter(assignee=user, status__in=HELD)
        .select_related(None)
        .select_related(*LIST_RELATED)
        .order_by("due_date", "submitted_at", "pk")
    )


def refusals_pending_list(*, user) -> QuerySet[Case]:
    """Refusals waiting for a head's signature, in the back offices I head."""
    head_ids = access_for(user).head_back_office_ids
    return (
        back_cases(user=user)
        .filter(status=S.REFUSAL_PENDING, back_office_id__in=head_ids)
        .select_related(None)
        .select_related(*LIST_RELATED, "decided_by")
        .order_by("updated_at", "pk")
    )


def filter_choices(*, user) -> tuple[QuerySet, QuerySet, QuerySet]:
    """Services, communities and front offices the queue filters offer."""
    ids = access_for(user).back_office_ids
    communities = Community.objects.filter(back_office_id__in=ids).order_by("name")
    front_offices = FrontOffice.objects.filter(community__back_office_id__in=ids).order_by("name")
    return ServiceType.objects.filter(active=True), communities, front_offices


def colleagues(*, back_office_ids) -> QuerySet[User]:
    """Specialists and heads of these back offices: the people a head may assign cases to."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__role__in=(R.SPECIALIST, R.HEAD),
            memberships__back_office_id__in=back_office_ids,
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


# --- The review page ----------------------------------------------------------------------------------------------


@dataclass
class Review:
    """Everything the review page shows about one case."""

    case: Case
    documents: list[Document]
    checklist: list[ChecklistLine]
    unsorted: list[Document]
    pages: list[Page]
    earlier: list[Case]
    info_requests: list[InfoRequest]
    grounds: list[RefusalGround]
    events: list
    actions: frozenset[str]
    blocked: list[str]
    is_holder: bool
    is_head: bool
    mark: str
    colleagues: list[User] = field(default_factory=list)

    @property
    def requested_item_ids(self) -> set[int]:
        """Checklist items the back office has asked for and the front office has not yet answered."""
        return {i.pk for r in self.info_requests if r.answered_at is None for i in r.items.all()}

    @property
    def open_duplicates(self) -> list[Case]:
        """Other open cases of the same applicant for the same service (shown to the reviewer)."""
        return [c for c in self.earlier if c.service_type_id == self.case.service_type_id and c.is_open]

    def page_index(self, page_id: int | None) -> int:
        for n, page in enumerate(self.pages):
            if page.pk == page_id:
                return n
        return 0


def registry_names(documents: list[Document]) -> dict[str, str]:
    """The registries the extracts among ``documents`` came from, as clerks and reviewers name them (ДРАЦС): one
    query, and none when no document is an extract."""
    codes = {d.registry_code for d in documents if d.origin == Document.Origin.REGISTRY}
    rows = Registry.objects.filter(code__in=codes).values_list("code", "short_name") if codes else []
    return {code: short_name or code for code, short_name in rows}


# The acts the review page offers (the front office's, e.g. printing the receipt, are not the reviewer's to show).
PAGE_ACTIONS = frozenset(
    {
        "claim",
        "accept",
        "request_info",
        "decide",
        "reject_intake",
        "release",
        "reassign",
        "approve_refusal",
        "return_refusal",
    }
)


def case_review(*, user, pk: int, today: Today | None = None) -> Review:
    """One case of my back office, with its applicant's earlier cases, checklist, pages and timeline; 404 if it is
    not one of mine to see."""
    access = access_for(user)
    # Only the relations the page shows are joined: every extra join costs PostgreSQL planning time on each request.
    case = (
        case_detail_queryset(user=user)
        .filter(pk=pk, back_office_id__in=access.back_office_ids, first_submitted_at__isnull=False)
        .select_related(None)
        .select_related("applicant", "service_type", "front_office", "community", "assignee")
        .prefetch_related("decided_by")
        .first()
    )
    if case is None:
        raise Http404
    documents = documents_for(case)
    checklist = checklist_for(case, documents)
    names = registry_names(documents)
    pages = []
    for document in documents:
        in_document = list(document.pages.all())
        for n, page in enumerate(in_document, start=1):
            page.number = len(pages) + 1  # the viewer's position, 1-based
            page.caption = _("%(document)s, page %(n)d of %(total)d") % {
                "document": document.document_type or _("Unsorted"),
                "n": n,
                "total": len(in_document),
            }
            if document.origin == Document.Origin.REGISTRY:
                registry = names.get(document.registry_code, document.registry_code)
                page.caption += " · " + _("extract from %(registry)s") % {"registry": registry}
            pages.append(page)
    events = list(case.events.all())
    for event in events:
        event.label = Action(event.action).label if event.action in Action.values else event.action
    matched = {d.pk for line in checklist for d in line.documents}
    earlier = list(
        back_cases(user=user)
        .filter(applicant_id=case.applicant_id)
        .exclude(pk=case.pk)
        .select_related(None)
        .select_related("service_type")
        .order_by("-created_at")[:20]
    )
    info_requests = list(
        case.info_requests.select_related("requested_by").prefetch_related(
            Prefetch("items", queryset=ChecklistItem.objects.prefetch_related("document_types"))
        )
    )
    is_head = case.back_office_id in access.head_back_office_ids
    offered = CASES.offered(case, user)
    return Review(
        case=case,
        documents=documents,
        checklist=checklist,
        unsorted=[d for d in documents if d.pk not in matched],
        pages=pages,
        earlier=earlier,
        info_requests=info_requests,
        grounds=list(case.service_type.refusal_grounds.all()),
        events=events,
        actions=frozenset(action for action, blocked in offered.items() if blocked is None and action in PAGE_ACTIONS),
        blocked=list(dict.fromkeys(str(b.message) for b in offered.values() if b is not None)),
        is_holder=case.assignee_id == user.pk,
        is_head=is_head,
        mark=(today or Today.now()).mark(case),
        colleagues=list(colleagues(back_office_ids=[case.back_office_id])) if is_head else [],
    )


# --- The head's dashboard -----------------------------------------------------------------------------------------


@dataclass
class PersonLoad:
    user: User
    in_review: int = 0
    needs_info: int = 0
    refusals_pending: int = 0
    overdue: int = 0


@dataclass
class CommunityLoad:
    community: Community
    waiting: int = 0
    in_review: int = 0
    needs_info: int = 0
    refusals_pending: int = 0
    overdue: int = 0
    decided: int = 0
    median_days: float | None = None


@dataclass
class Dashboard:
    people: list[PersonLoad]
    communities: list[CommunityLoad]
    decided: int
    median_days: float | None
    since: datetime
    totals: dict


def _overdue(today: Today) -> Q:
    """Late and still with the back office (or waiting on the front office on a service whose clock runs)."""
    return Q(due_date__lt=today.day) & (Q(status__in=BACK_OFFICE_OPEN) | Q(status=S.NEEDS_INFO, clock_paused_at=None))


def _median_days(durations: list[timedelta]) -> float | None:
    if not durations:
        return None
    return round(statistics.median(d.total_seconds() for d in durations) / 86400, 1)


def dashboard(*, user, days: int = 90, today: Today | None = None) -> Dashboard:
    """Load and overdue cases per specialist and per community of the back offices I head; the median time from
    the first submission to the decision over the last ``days`` days."""
    today = today or Today.now()
    ids = access_for(user).head_back_office_ids
    cases = Case.objects.filter(back_office_id__in=ids)
    open_cases = cases.filter(status__in=(*BACK_OFFICE_OPEN, S.NEEDS_INFO)).order_by()

    people = {u.pk: PersonLoad(user=u) for u in colleagues(back_office_ids=ids)}
    for row in (
        open_cases.filter(assignee__isnull=False)
        .values("assignee")
        .annotate(
            in_review=Count("pk", filter=Q(status=S.IN_REVIEW)),
            needs_info=Count("pk", filter=Q(status=S.NEEDS_INFO)),
            refusals_pending=Count("pk", filter=Q(status=S.REFUSAL_PENDING)),
            overdue=Count("pk", filter=_overdue(today)),
        )
    ):
        load = people.get(row.pop("assignee"))
        if load is not None:  # someone who has since left the back office keeps their cases listed by community
            for key, value in row.items():
                setattr(load, key, value)

    communities = {c.pk: CommunityLoad(community=c) for c in Community.objects.filter(back_office_id__in=ids)}
    for row in open_cases.values("community").annotate(
        waiting=Count("pk", filter=Q(status=S.SUBMITTED)),
        in_review=Count("pk", filter=Q(status=S.IN_REVIEW)),
        needs_info=Count("pk", filter=Q(status=S.NEEDS_INFO)),
        refusals_pending=Count("pk", filter=Q(status=S.REFUSAL_PENDING)),
        overdue=Count("pk", filter=_overdue(today)),
    ):
        load = communities.get(row.pop("community"))
        if load is not None:
            for key, value in row.items():
                setattr(load, key, value)

    since = clock.now() - timedelta(days=days)
    durations: dict[int, list[timedelta]] = {}
    for community_id, submitted, decided in cases.filter(
        decided_at__gte=since, first_submitted_at__isnull=False
    ).values_list("community_id", "first_submitted_at", "decided_at"):
        durations.setdefault(community_id, []).append(decided - submitted)
    for community_id, spans in durations.items():
        if community_id in communities:
            communities[community_id].decided = len(spans)
            communities[community_id].median_days = _median_days(spans)
    everything = [d for spans in durations.values() for d in spans]
    rows = sorted(communities.values(), key=lambda c: (-c.overdue, c.community.name))
    totals = {
        key: sum(getattr(c, key) for c in rows)
        for key in ("waiting", "in_review", "needs_info", "refusals_pending", "overdue")
    }
    return Dashboard(
        people=sorted(people.values(), key=lambda p: (-p.overdue, -p.in_review, p.user.last_name)),
        communities=rows,
        decided=len(everything),
        median_days=_median_days(everything),
        since=since,
        totals=totals,
    )
