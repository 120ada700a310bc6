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
import hmac
import logging
import uuid
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import F, Max, Q
from django.dispatch import Signal
from django.utils import timezone

from cases import clock
from cases.checklist import document_type_ids
from cases.deadlines import add_days
from cases.models import Applicant, Case, Document, DocumentType, FrontOffice, Page, SourceFile
from cases.queue import enqueue_on_commit, send
from registries import client, evidence, selectors
from registries.exceptions import NoIdentifier, RegistryUnavailable
from registries.models import DeskCheck, Registry, RegistryQuery
from registries.schemas import SchemaError, normalise

logger = logging.getLogger(__name__)
Q_ = RegistryQuery.Status
# Sent after the commit that finished a case's query (answered, not found, failed): ``query_id``, ``case_id``.
# The apps above the registries listen (renewals, proactive); the registries import none of them.
query_finished = Signal()
# Sent once after that commit with every case the answer serves (``query_id``, ``case_ids``): the robot decides the
# cases of one application in one batch.
query_answered = Signal()
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


def subject_key(subject: dict) -> str:
    """A keyed hash of the identifier a registry is asked about: two questions about the same identifier have the
    same key, and the key alone does not give the identifier away."""
    kind, value = next(iter(subject.items()))
    message = f"{kind}:{str(value).strip().upper()}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def registries_for_case(case: Case) -> list[Registry]:
    """Enabled registries whose answer stands in for a document type of the case's checklist."""
    type_ids = DocumentType.objects.filter(checklist_items__service_type_id=case.service_type_id).values("pk")
    return list(Registry.objects.filter(enabled=True, stands_for__in=type_ids).distinct().order_by("position", "pk"))


def _due(asked_at, registry: Registry):
    return add_days(timezone.localdate(asked_at), registry.answer_due_working_days, working=True)


def _enqueue(query: RegistryQuery) -> None:
    from registries.tasks import run_query

    enqueue_on_commit(run_query, query_id=query.pk)


def _create(
    *, registry, applicant, case=None, application_id=None, key="", by=None, front_office=None, trigger
) -> RegistryQuery:
    now = clock.now()
    query = RegistryQuery.objects.create(
        registry=registry,
        applicant=applicant,
        case=case,
        application_id=application_id,
        subject_key=key,
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


def _fresh_since():
    return clock.now() - timedelta(days=settings.REGISTRY_ANSWER_FRESH_DAYS)


def _usable(query: RegistryQuery | None, *, found_only: bool = False) -> bool:
    """Pending, or answered (found, or — unless ``found_only`` — not found) recently enough to stand for the
    person's record now."""
    if query is None:
        return False
    if query.status in RegistryQuery.PENDING:
        return True
    answered = query.status == Q_.ANSWERED or (query.status == Q_.NOT_FOUND and not found_only)
    return answered and query.answered_at is not None and query.answered_at >= _fresh_since()


def shared_query(*, registry: Registry, applicant: Applicant, key: str, application_id: int | None):
    """The newest question to ``registry`` about the same subject that an application's case may use instead of
    asking again: one of the application's own, or one asked at the desk not yet taken by any application. None
    when there is none, or when the newest one failed, went overdue or grew stale (then it is asked again, once,
    for every case of the application). A "not found" from the desk is not taken over: a record (a birth) may have
    been made since, and the application asks for itself."""
    scope = Q(application_id__isnull=True, case_id__isnull=True)
    if application_id is not None:
        scope |= Q(application_id=application_id)
    query = (
        RegistryQuery.objects.filter(scope, registry=registry, applicant=applicant, subject_key=key)
        .order_by("-asked_at", "-pk")
        .first()
    )
    return query if _usable(query, found_only=query is not None and query.application_id is None) else None


def _adopt(query: RegistryQuery, application_id: int | None) -> bool:
    """Let the application use a query asked at the desk (compare-and-set: one application takes it)."""
    if query.application_id is not None or application_id is None:
        return query.application_id == application_id
    taken = RegistryQuery.objects.filter(pk=query.pk, application_id__isnull=True).update(application_id=application_id)
    if taken:
        query.application_id = application_id
    return bool(taken)


def registry_queries_for_new_case(
    *, case: Case, by, trigger: str = RegistryQuery.Trigger.CASE_OPEN
) -> list[RegistryQuery]:
    """Ask every registry that can stand in for an item of the new case's checklist — unless the case's application
    (or the check at the desk) already asked it about the same subject and the question is pending or its answer
    fresh: then that one query serves this case too, and an answer already in is filed for it now. Call it inside
    the transaction that opens the case: new questions go out when it commits. A person with no identifier is asked
    nothing (their papers are the evidence). ``trigger`` says why; a renewal the system opened (``renewal``) always
    asks afresh: refreshing the facts is its point."""
    try:
        key = subject_key(subject_of(case.applicant))
    except NoIdentifier:
        return []
    queries = []
    for registry in registries_for_case(case):
        query = (
            None
            if trigger == RegistryQuery.Trigger.RENEWAL
            else shared_query(registry=registry, applicant=case.applicant, key=key, application_id=case.application_id)
        )
        if query is not None and _adopt(query, case.application_id):
            if query.status == Q_.ANSWERED:
                _file_evidence(query)
            queries.append(query)
            continue
        queries.append(
            _create(
                registry=registry,
                applicant=case.applicant,
                case=case,
                application_id=case.application_id,
                key=key,
                by=by,
                front_office=case.front_office,
                trigger=trigger,
            )
        )
    return queries


def registry_query_ask(*, case: Case, registry_code: str, by) -> RegistryQuery:
    """Ask one registry (again) for a case and every other case of its application: a new query row; earlier ones
    stay as they were. While a question about the same subject is still pending, that one is returned (a double
    click asks once)."""
    registry = Registry.objects.filter(code=registry_code, enabled=True).first()
    if registry is None:
        raise RegistryUnavailable()
    key = subject_key(subject_of(case.applicant))
    pending = (
        RegistryQuery.objects.for_case(case)
        .filter(registry=registry, subject_key=key, status__in=RegistryQuery.PENDING)
        .order_by("-asked_at", "-pk")
        .first()
    )
    if pending is not None:
        return pending
    return _create(
        registry=registry,
        applicant=case.applicant,
        case=case,
        application_id=case.application_id,
        key=key,
        by=by,
        front_office=case.front_office,
        trigger=RegistryQuery.Trigger.MANUAL,
    )


# The registries the pre-screener reads (frontoffice.prescreen): births, incomes, disability, displacement.
PRESCREEN_REGISTRIES = ("dracs", "drfo", "pfu", "disability", "idp")


def registry_queries_for_prescreen(*, applicant: Applicant, by, front_office_id: int | None = None):
    """Ask, in the background, the registries the pre-screener reads, once identity is in (the person registered,
    or checked at the desk), so its suggestions appear before any case is opened. A registry already asked about
    the same subject (pending, or answered fresh) is not asked again; a case opened later uses these answers
    (``shared_query``). Nothing waits for them: the questions go out after the commit. Returns the new queries."""
    try:
        key = subject_key(subject_of(applicant))
    except NoIdentifier:
        return []
    asked = []
    front_office = FrontOffice.objects.filter(pk=front_office_id).first() if front_office_id else None
    registries = Registry.objects.filter(enabled=True, code__in=PRESCREEN_REGISTRIES).order_by("position", "pk")
    for registry in registries:
        newest = (
            RegistryQuery.objects.filter(registry=registry, applicant=applicant, subject_key=key)
            .order_by("-asked_at", "-pk")
            .first()
        )
        if _usable(newest):
            continue
        asked.append(
            _create(
                registry=registry,
                applicant=applicant,
                key=key,
                by=by,
                front_office=front_office,
                trigger=RegistryQuery.Trigger.PRESCREEN,
            )
        )
    return asked


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
        if delay is None:
            served = served_case_ids(query)
            for case_id in served:
                transaction.on_commit(
                    partial(query_finished.send, sender=RegistryQuery, query_id=query.pk, case_id=case_id)
                )
            if served:
                transaction.on_commit(
                    partial(query_answered.send, sender=RegistryQuery, query_id=query.pk, case_ids=served)
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
    if not query.case_id and not query.application_id:  # asked at the desk: the answer is the row's own state
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
                query.status, query.answer, query.answered_at = Q_.ANSWERED, data, now
                query.request_hash = answer.request_hash
                saved = _file_evidence(query)
    except BaseException:
        for name in saved:
            with contextlib.suppress(Exception):
                default_storage.delete(name)
        raise


def served_case_ids(query: RegistryQuery) -> list[int]:
    """The cases whose package the query's answer serves: every case of its application about the same person
    (or, for a row from before applications shared answers, its own case). Withdrawn cases are left out."""
    if query.application_id is None:
        return [query.case_id] if query.case_id else []
    return list(
        Case.objects.filter(application_id=query.application_id, applicant_id=query.applicant_id)
        .exclude(status=Case.Status.WITHDRAWN)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _file_evidence(query: RegistryQuery) -> list[str]:
    """File the answer once as a one-page extract for the cases it serves: one document per type the registry
    stands in for that some case still being assembled needs, kept in the first such case; the application's other
    cases see it there (``cases.checklist.shared_documents``). A type already filed from this query is not filed
    again, so calling it again (a case added later) files only what the new case needs. Call inside a transaction,
    with the query answered. Returns the stored file names (for clean-up on failure)."""
    ids = served_case_ids(query)
    if not ids:
        return []
    cases = list(Case.objects.select_for_update().filter(pk__in=ids).select_related("service_type").order_by("pk"))
    registry = query.registry
    stands_for = list(registry.stands_for.order_by("pk"))
    filed = set(query.documents.values_list("document_type_id", flat=True))
    homes: dict[int, tuple[Case, list[DocumentType]]] = {}
    for document_type in stands_for:
        if document_type.pk in filed:
            continue
        home = next((c for c in cases if c.status in ATTACHABLE and document_type.pk in document_type_ids(c)), None)
        if home is not None:
            homes.setdefault(home.pk, (home, []))[1].append(document_type)
    if not homes and not filed and stands_for and query.case_id:
        # Asked by hand for a case whose checklist names none of the registry's types: the extract is kept there.
        own = next((c for c in cases if c.pk == query.case_id and c.status in ATTACHABLE), None)
        if own is not None:
            homes[own.pk] = (own, stands_for[:1])
    if not homes:
        return []
    image, thumbnail, width, height = evidence.render_extract(
        registry_name=registry.name_uk,
        service_id=registry.service_id,
        person=f"{query.applicant.full_name}, {query.applicant.birth_date:%d.%m.%Y}",
        data=query.answer or {},
        query_id=str(query.query_id),
        answered_at=query.answered_at,
        request_hash=query.request_hash,
    )
    sha = hashlib.sha256(image).hexdigest()
    saved: list[str] = []
    documents = []
    for case, types in homes.values():
        names, filed_here = _file_in(
            query, case, types, image=image, thumbnail=thumbnail, size=(width, height), sha=sha
        )
        saved += names
        documents += filed_here
    query.documents.add(*documents)
    return saved


def _file_in(query: RegistryQuery, case: Case, types: list[DocumentType], *, image, thumbnail, size, sha):
    """The extract stored once in ``case``, one registry document (a ready page) per type: (file names, documents)."""
    registry = query.registry
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
            width=size[0],
            height=size[1],
            attempts=1,
            processed_at=query.answered_at,
        )
        documents.append(document)
    return saved, documents


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
    unavailable, never as a match. Identity being in, the registries the pre-screener reads are asked in the
    background (``registry_queries_for_prescreen``); a case opened afterwards uses these answers."""
    key = subject_key(subject_of(applicant))
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
            application_id=case.application_id if case is not None else None,
            subject_key=key,
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
    registry_queries_for_prescreen(applicant=applicant, by=by, front_office_id=front_office_id)
    return check
