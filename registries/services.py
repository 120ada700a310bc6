"""Asking registries and filing their answers as evidence (docs/registries.md). Writes only; reads in selectors.

The database records what is pending: a query row is ``queued`` until a worker claims it (``sent``, with a fresh
attempt token), and an answer is applied only by the attempt holding the token (a compare-and-set on the row), so
a query sent twice after a worker was killed is answered once. A failed attempt that may pass (the registry down,
a timeout) goes back to ``queued`` with a later ``next_attempt_at`` until ``REGISTRY_MAX_ATTEMPTS``; the sweeper
(``registries.sweep``, beat) re-sends rows whose nudge was lost and marks unanswered ones ``overdue`` after their due
date. A late, missing or wrong answer never extends a deadline or refuses anything: the paper is the fallback.
"""

import contextlib
import hashlib
import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import F, Max, Q
from django.dispatch import Signal
from django.utils import timezone

from cases import clock
from cases.deadlines import add_days
from cases.models import Applicant, Case, Document, DocumentType, Page, SourceFile
from cases.queue import enqueue_on_commit, send
from registries import client, evidence, selectors
from registries.exceptions import NoIdentifier, RegistryUnavailable
from registries.models import DeskCheck, Registry, RegistryQuery
from registries.schemas import SchemaError, normalise

logger = logging.getLogger(__name__)
Q_ = RegistryQuery.Status
# Sent after the commit that finished a case's query (answered, not found, failed): ``query_id``, ``case_id``.
# The apps above the registries listen (the robot re-evaluates the case); the registries import none of them.
query_finished = Signal()
# Evidence is filed while the clerk still assembles the package; later the answer is kept on the query only.
ATTACHABLE = (Case.Status.DRAFT, Case.Status.NEEDS_INFO)


# --- asking ---------------------------------------------------------------------------------------------------------


def subject_of(applicant: Applicant) -> dict:
    """What a registry is asked about: the RNOKPP, or the document number of a person who lawfully has none."""
    if applicant.rnokpp:
        return {"rnokpp": applicant.rnokpp}
    if applicant.passport_number:
        return {"passport": applicant.passport_number}
    raise NoIdentifier()


def registries_for_case(case: Case) -> list[Registry]:
    """Enabled registries whose answer stands in for a document type of the case's checklist."""
    type_ids = DocumentType.objects.filter(checklist_items__service_type_id=case.service_type_id).values("pk")
    return list(Registry.objects.filter(enabled=True, stands_for__in=type_ids).distinct().order_by("position", "pk"))


def _due(asked_at, registry: Registry):
    return add_days(timezone.localdate(asked_at), registry.answer_due_working_days, working=True)


def _enqueue(query: RegistryQuery) -> None:
    from registries.tasks import run_query

    enqueue_on_commit(run_query, query_id=query.pk)


def _create(*, registry, applicant, case=None, by=None, front_office=None, trigger) -> RegistryQuery:
    now = clock.now()
    query = RegistryQuery.objects.create(
        registry=registry,
        applicant=applicant,
        case=case,
        purpose=registry.purpose_id,
        trigger=trigger,
        asked_by=by,
        front_office=front_office,
        asked_at=now,
        next_attempt_at=now,
        due_at=_due(now, registry),
        dialect=settings.REGISTRY_HEADER_DIALECT,
    )
    _enqueue(query)
    return query


def registry_queries_for_new_case(
    *, case: Case, by, trigger: str = RegistryQuery.Trigger.CASE_OPEN
) -> list[RegistryQuery]:
    """Ask at once every registry that can stand in for an item of the new case's checklist. Call it inside the
    transaction that opens the case: the questions go out when it commits. A person with no identifier is asked
    nothing (their papers are the evidence). ``trigger`` says why (a renewal the system opened: ``renewal``)."""
    try:
        subject_of(case.applicant)
    except NoIdentifier:
        return []
    return [
        _create(
            registry=registry,
            applicant=case.applicant,
            case=case,
            by=by,
            front_office=case.front_office,
            trigger=trigger,
        )
        for registry in registries_for_case(case)
    ]


def registry_query_ask(*, case: Case, registry_code: str, by) -> RegistryQuery:
    """Ask one registry (again) for a case: a new query row; earlier ones stay as they were."""
    registry = Registry.objects.filter(code=registry_code, enabled=True).first()
    if registry is None:
        raise RegistryUnavailable()
    subject_of(case.applicant)
    return _create(
        registry=registry,
        applicant=case.applicant,
        case=case,
        by=by,
        front_office=case.front_office,
        trigger=RegistryQuery.Trigger.MANUAL,
    )


# --- running one query (the task's body) ----------------------------------------------------------------------------


@contextlib.contextmanager
def _commit_without_waiting_for_disk():
    """A transaction whose commit does not wait for the WAL flush (PostgreSQL ``synchronous_commit = off``).

    Safe for a query's own state only, by design: if the last commits are lost in a crash, the row is back at
    ``queued``/``sent`` and is simply sent again (the same query id; the answer is applied once). It saves the
    two disk flushes per query that are most of the product's own time per query (docs/performance.md)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield


def _claim(query_id: int) -> uuid.UUID | None:
    """Take the query for this attempt: queued and due, or sent so long ago that its worker must be gone."""
    now = clock.now()
    stale = now - timedelta(seconds=settings.REGISTRY_STALE_SECONDS)
    token = uuid.uuid4()
    with _commit_without_waiting_for_disk():
        claimed = _claim_update(query_id, now=now, stale=stale, token=token)
    return token if claimed else None


def _claim_update(query_id: int, *, now, stale, token) -> int:
    return (
        RegistryQuery.objects.filter(pk=query_id)
        # A second's slack: a retry's countdown may deliver it a moment before next_attempt_at.
        .filter(
            Q(status=Q_.QUEUED, next_attempt_at__lte=now + timedelta(seconds=1)) | Q(status=Q_.SENT, sent_at__lt=stale)
        )
        .update(status=Q_.SENT, attempt_token=token, attempts=F("attempts") + 1, sent_at=now)
    )


def _finish(query_id: int, token: uuid.UUID, **fields) -> bool:
    """Compare-and-set: write the outcome only if this attempt still holds the query."""
    return bool(RegistryQuery.objects.filter(pk=query_id, status=Q_.SENT, attempt_token=token).update(**fields))


def _finish_quickly(query_id: int, token: uuid.UUID, **fields) -> bool:
    """``_finish`` for an outcome with nothing filed in a case (see ``_commit_without_waiting_for_disk``)."""
    with _commit_without_waiting_for_disk():
        return _finish(query_id, token, **fields)


def registry_query_run(*, query_id: int, may_retry: bool = True) -> int | None:
    """One attempt at a query. Returns the seconds after which to try again (a transient failure with attempts
    left), else None. A query that is not ours to run (answered, or held by a live attempt) is left alone."""
    token = _claim(query_id)
    if token is None:
        return None
    query = RegistryQuery.objects.select_related("registry", "applicant", "case").get(pk=query_id)
    try:
        delay = _attempt(query, token, may_retry=may_retry)
        if delay is None and query.case_id:
            transaction.on_commit(
                lambda: query_finished.send(sender=RegistryQuery, query_id=query.pk, case_id=query.case_id)
            )
        return delay
    finally:
        # Outages are loud: a failure (or the first success after one) updates the health behind the banner.
        if getattr(query, "_failed", False) or selectors.marked_down(query.registry.code):
            selectors.refresh_health(query.registry)


def _attempt(query: RegistryQuery, token, *, may_retry: bool) -> int | None:
    registry = query.registry
    try:
        subject = subject_of(query.applicant)
        answer = client.ask(registry, subject=subject, query_id=str(query.query_id), purpose=query.purpose)
    except NoIdentifier:
        _fail(query, token, "no_identifier", "")
        return None
    except client.GatewayError as e:
        logger.warning("registry %s query %s attempt %s failed: %s", registry.code, query.pk, query.attempts, e.code)
        query._failed = True
        if e.transient and may_retry and query.attempts < settings.REGISTRY_MAX_ATTEMPTS:
            delay = settings.REGISTRY_RETRY_BACKOFF_SECONDS * 2 ** (query.attempts - 1)
            _finish_quickly(
                query.pk,
                token,
                status=Q_.QUEUED,
                error_code=e.code,
                error_detail=e.detail,
                latency_ms=e.latency_ms,
                next_attempt_at=clock.now() + timedelta(seconds=delay),
            )
            return delay
        _fail(query, token, e.code, e.detail, latency_ms=e.latency_ms)
        return None
    if not _same_subject(subject, answer):
        logger.warning("registry %s query %s answered about another person: not attached", registry.code, query.pk)
        _fail(query, token, "wrong_subject", "the answer is about another person", answer=answer)
        return None
    if not answer.found:
        _finish_quickly(
            query.pk,
            token,
            status=Q_.NOT_FOUND,
            answered_at=clock.now(),
            error_code="not_found",
            error_detail="",
            latency_ms=answer.latency_ms,
            request_hash=answer.request_hash,
            dialect=answer.dialect,
        )
        return None
    try:
        data = normalise(registry.code, answer.data)
    except SchemaError as e:
        _fail(query, token, "bad_answer", str(e), answer=answer)
        return None
    _answer(query, token, data, answer)
    return None


def _same_subject(asked: dict, answer: client.Answer) -> bool:
    said = answer.subject
    if "rnokpp" in asked:
        if said.get("rnokpp") != asked["rnokpp"]:
            return False
        # A person record must be about the same person all through, not only in its envelope.
        return not (
            isinstance(answer.data, dict) and "rnokpp" in answer.data and answer.data["rnokpp"] != asked["rnokpp"]
        )
    return str(said.get("passport", "")).upper() == asked["passport"].upper()


def _fail(query: RegistryQuery, token, code: str, detail: str, *, latency_ms=None, answer=None) -> None:
    query._failed = True
    fields = {"status": Q_.FAILED, "error_code": code, "error_detail": detail[:300], "answered_at": clock.now()}
    if latency_ms is not None or answer is not None:
        fields["latency_ms"] = answer.latency_ms if answer is not None else latency_ms
    if answer is not None:
        fields["request_hash"], fields["dialect"] = answer.request_hash, answer.dialect
    _finish_quickly(query.pk, token, **fields)


def _answer(query: RegistryQuery, token, data: dict, answer: client.Answer) -> None:
    now = clock.now()
    saved: list[str] = []
    if not query.case_id:  # nothing to file: the answer is the row's own state
        _finish_quickly(
            query.pk,
            token,
            status=Q_.ANSWERED,
            answered_at=now,
            answer=data,
            error_code="",
            error_detail="",
            latency_ms=answer.latency_ms,
            request_hash=answer.request_hash,
            dialect=answer.dialect,
        )
        return
    try:
        with transaction.atomic():
            done = _finish(
                query.pk,
                token,
                status=Q_.ANSWERED,
                answered_at=now,
                answer=data,
                error_code="",
                error_detail="",
                latency_ms=answer.latency_ms,
                request_hash=answer.request_hash,
                dialect=answer.dialect,
            )
            if done:
                saved = _file_evidence(query, data, answered_at=now, request_hash=answer.request_hash)
    except BaseException:
        for name in saved:
            with contextlib.suppress(Exception):
                default_storage.delete(name)
        raise


def _file_evidence(query: RegistryQuery, data: dict, *, answered_at, request_hash: str) -> list[str]:
    """The answer as a one-page extract in the case, one document per checklist type it stands in for. Call inside
    the transaction that marked the query answered. Returns the stored file names (for clean-up on failure)."""
    case = Case.objects.select_for_update().get(pk=query.case_id)
    if case.status not in ATTACHABLE:
        return []
    registry = query.registry
    wanted = set(
        DocumentType.objects.filter(checklist_items__service_type_id=case.service_type_id).values_list("pk", flat=True)
    )
    types = [t for t in registry.stands_for.order_by("pk") if t.pk in wanted] or list(registry.stands_for.all()[:1])
    if not types:
        return []
    image, thumbnail, width, height = evidence.render_extract(
        registry_name=registry.name_uk,
        service_id=registry.service_id,
        person=f"{query.applicant.full_name}, {query.applicant.birth_date:%d.%m.%Y}",
        data=data,
        query_id=str(query.query_id),
        answered_at=answered_at,
        request_hash=request_hash,
    )
    sha = hashlib.sha256(image).hexdigest()
    saved = [default_storage.save(f"cases/{case.pk}/originals/{sha[:20]}.jpg", ContentFile(image))]
    by = query.asked_by or case.created_by
    source = SourceFile.objects.create(
        case=case,
        file=saved[0],
        sha256=sha,
        size=len(image),
        content_type="image/jpeg",
        original_name=f"{registry.code}-{query.query_id}.jpg",
        created_by=by,
    )
    position = case.documents.aggregate(m=Max("position"))["m"] or 0
    documents = []
    for document_type in types:
        position += 1
        document = Document.objects.create(
            case=case,
            document_type=document_type,
            position=position,
            origin=Document.Origin.REGISTRY,
            registry_code=registry.code,
            created_by=by,
        )
        page = Page.objects.create(document=document, source=source, position=1)
        base = f"cases/{case.pk}/pages/{page.pk}"
        image_name = default_storage.save(f"{base}.jpg", ContentFile(image))
        thumb_name = default_storage.save(f"{base}-thumb.jpg", ContentFile(thumbnail))
        saved += [image_name, thumb_name]
        Page.objects.filter(pk=page.pk).update(
            status=Page.Status.READY,
            image=image_name,
            thumbnail=thumb_name,
            width=width,
            height=height,
            attempts=1,
            processed_at=answered_at,
        )
        documents.append(document)
    query.documents.add(*documents)
    return saved


# --- the sweeper ----------------------------------------------------------------------------------------------------


def registry_sweep(*, limit: int = 500) -> dict[str, int]:
    """Mark unanswered queries past their due date ``overdue``; re-send queued ones whose time has come and sent
    ones whose worker went quiet. Idempotent: run by beat every minute."""
    now = clock.now()
    today = timezone.localdate(now)
    overdue = RegistryQuery.objects.filter(status__in=RegistryQuery.PENDING, due_at__lt=today).update(
        status=Q_.OVERDUE, error_code="overdue", attempt_token=None
    )
    stale = now - timedelta(seconds=settings.REGISTRY_STALE_SECONDS)
    ids = list(
        RegistryQuery.objects.filter(
            Q(status=Q_.QUEUED, next_attempt_at__lte=now - timedelta(seconds=settings.REGISTRY_NUDGE_GRACE_SECONDS))
            | Q(status=Q_.SENT, sent_at__lt=stale)
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    from registries.tasks import run_query

    sent = sum(send(run_query, query_id=pk) for pk in ids)
    return {"overdue": overdue, "resent": sent}


# --- the check at the desk ------------------------------------------------------------------------------------------

DESK_FIELDS = {
    "eddr": [
        ("last_name", "last_name"),
        ("first_name", "first_name"),
        ("patronymic", "patronymic"),
        ("birth_date", "birth_date"),
        ("unzr", "unzr"),
        ("passport", "passport_number"),
    ],
    "rtg": [("text", "address")],
}


def _norm(value) -> str:
    return " ".join(str(value or "").replace("’", "'").replace("ʼ", "'").split()).casefold()


def desk_check_run(*, applicant: Applicant, by, front_office_id: int | None = None, case: Case | None = None):
    """Ask ЄДДР and РТГ now (while the person is at the desk) and compare with what was typed. Each question is a
    recorded query; the differences are kept (``DeskCheck``). A registry that does not answer is listed as
    unavailable, never as a match."""
    subject_of(applicant)
    check = DeskCheck.objects.create(applicant=applicant, case=case, checked_by=by)
    differences, unavailable = [], []
    for code, pairs in DESK_FIELDS.items():
        registry = Registry.objects.filter(code=code, enabled=True).first()
        if registry is None:
            continue
        now = clock.now()
        query = RegistryQuery.objects.create(
            registry=registry,
            applicant=applicant,
            case=case,
            purpose=registry.purpose_id,
            trigger=RegistryQuery.Trigger.DESK_CHECK,
            asked_by=by,
            front_office_id=front_office_id,
            asked_at=now,
            next_attempt_at=now,
            due_at=_due(now, registry),
            dialect=settings.REGISTRY_HEADER_DIALECT,
        )
        check.queries.add(query)
        registry_query_run(query_id=query.pk, may_retry=False)
        query.refresh_from_db()
        if query.status != Q_.ANSWERED:
            unavailable.append({"registry": registry.short_name, "status": query.status, "error": query.error_code})
            continue
        for registry_field, our_field in pairs:
            theirs = query.answer.get(registry_field, "")
            ours = getattr(applicant, our_field)
            ours = ours.isoformat() if hasattr(ours, "isoformat") else ours
            if our_field == "unzr" and not ours:
                continue  # not yet recorded here is not a mismatch (the clerk may add it)
            if code == "rtg":
                equal = not ours or _norm(ours) in _norm(theirs)
            else:
                equal = _norm(ours) == _norm(theirs) or (not ours and not theirs)
            if not equal:
                differences.append(
                    {"field": our_field, "typed": ours or "", "registry": theirs or "", "source": registry.short_name}
                )
    check.differences, check.unavailable = differences, unavailable
    check.save(update_fields=["differences", "unavailable"])
    return check
