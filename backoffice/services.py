"""The back office's writes: taking cases from the shared queue, reviewing, deciding, asking for more.

One function per transition, one transaction each, the row locked first. Duties are separated here, not by
hiding buttons: the holder of a case acts on it, the head approves refusals but never their own, and nobody
reviews a case they opened at a front office.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet, TextChoices
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import clock, lifecycle
from cases.access import access_for, forget_access
from cases.exceptions import (
    CaseHeldByAnother,
    DomainError,
    NotPermitted,
    PackageNotAccepted,
    SeparationOfDuties,
    TransitionNotAllowed,
)
from cases.lifecycle import Action
from cases.models import Case, CaseEvent, ChecklistItem, InboxMessage, InfoRequest, Membership, RefusalGround
from cases.services import inbox_post
from payments.services.ledger import accrual_record_for_acceptance

S = Case.Status
R = Membership.Role


def _require_holder(case: Case, by) -> None:
    if case.assignee_id != by.pk:
        raise CaseHeldByAnother(_("Take the case first: only the specialist holding it can do this."))


def _require_not_own_intake(case: Case, by) -> None:
    if case.created_by_id == by.pk:
        raise SeparationOfDuties(_("You opened this case at a front office; someone else must review it."))


def _require_reason(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({field: _("Give a reason.")})
    return reason


# --- Claiming -----------------------------------------------------------------------------------------------------


@transaction.atomic
def case_claim(*, case: Case, by) -> Case:
    """Take a chosen case from the queue. Two people never hold the same case: the row lock decides."""
    case = lifecycle.lock_case(case)
    if case.status == S.IN_REVIEW and case.assignee_id == by.pk:
        return case
    # The role first: someone who may not claim learns nothing about who holds the case.
    lifecycle.authorize(case, Action.CLAIM, by)
    if case.status == S.IN_REVIEW:
        raise CaseHeldByAnother()
    lifecycle.ensure_state(case, Action.CLAIM)
    _require_not_own_intake(case, by)
    case.assignee = by
    lifecycle.apply(case, Action.CLAIM, by=by, fields=("assignee",))
    return case


def queue_waiting(*, back_office_ids) -> QuerySet[Case]:
    """Cases waiting in the shared queue of these back offices, in the order they should be taken."""
    return Case.objects.filter(status=S.SUBMITTED, back_office_id__in=back_office_ids, assignee__isnull=True).order_by(
        "due_date", "submitted_at", "pk"
    )


@transaction.atomic
def case_claim_next(*, by, back_office_id: int | None = None) -> Case | None:
    """Take the next waiting case of my back office(s), or None when nothing waits.

    PostgreSQL: ``FOR UPDATE SKIP LOCKED`` lets any number of specialists claim at once, each getting a
    different row without waiting. SQLite has no row locks; its IMMEDIATE transactions serialise claims instead.
    """
    ids = access_for(by).back_office_ids
    if back_office_id is not None:
        ids = ids & {back_office_id}
    if not ids:
        raise NotPermitted(_("Only back-office specialists take cases from the queue."))
    if connection.vendor == "postgresql":
        return _claim_next_in_one_statement(by=by, back_office_ids=ids)
    waiting = queue_waiting(back_office_ids=ids).exclude(created_by=by)
    if connection.features.has_select_for_update_skip_locked:
        waiting = waiting.select_for_update(skip_locked=True, of=("self",))
    case = waiting.select_related("service_type").first()
    if case is None:
        return None
    lifecycle.check(case, Action.CLAIM, by)
    case.assignee = by
    lifecycle.apply(case, Action.CLAIM, by=by, fields=("assignee",))
    return case


# The queue's hot path (docs/performance.md): find the next case, lock it, claim it and write its timeline event in
# one statement — one round trip and no ORM compiling, so 32 specialists claiming at once on two cores are not kept
# waiting by Python. It is exactly ``lifecycle.check`` + ``lifecycle.apply`` for CLAIM: the back offices passed in
# are those where the user is a specialist or head (the roles the table lets claim), the state is the table's
# source, and nobody gets a case they opened at a front office.
_CLAIM_NEXT = """
WITH next AS (
    SELECT id FROM {case}
    WHERE status = %(source)s AND back_office_id IN ({offices}) AND assignee_id IS NULL AND created_by_id <> %(by)s
    ORDER BY due_date, submitted_at, id
    LIMIT 1
    FOR UPDATE SKIP LOCKED
), claimed AS (
    UPDATE {case} SET status = %(target)s, assignee_id = %(by)s, updated_at = %(now)s
    FROM next WHERE {case}.id = next.id
    RETURNING {case}.*
), event AS (
    INSERT INTO {event} (case_id, at, actor_id, action, from_status, to_status, note, data)
    SELECT id, %(now)s, %(by)s, %(action)s, %(source)s, %(target)s, '', '{{}}'::jsonb FROM claimed
)
SELECT * FROM claimed
"""


def _claim_next_in_one_statement(*, by, back_office_ids) -> Case | None:
    transition = lifecycle.ALLOWED_TRANSITIONS[Action.CLAIM]
    (source,) = transition.sources
    offices = {f"office{n}": pk for n, pk in enumerate(sorted(back_office_ids))}
    sql = _CLAIM_NEXT.format(
        case=Case._meta.db_table,
        event=CaseEvent._meta.db_table,
        offices=", ".join(f"%({name})s" for name in offices),
    )
    params = {
        **offices,
        "source": source,
        "target": transition.target,
        "by": by.pk,
        "now": clock.now(),
        "action": Action.CLAIM.value,
    }
    return next(iter(Case.objects.raw(sql, params)), None)


@transaction.atomic
def case_release(*, case: Case, by, reason: str = "") -> Case:
    """Put a case back in the queue: the holder may release their own; the head any, with a reason."""
    case = lifecycle.lock_case(case)
    if case.status == S.SUBMITTED and case.assignee_id is None:
        lifecycle.authorize(case, Action.RELEASE, by)
        return case  # already back in the queue (a repeated click)
    roles = lifecycle.check(case, Action.RELEASE, by)
    if case.assignee_id != by.pk:
        if R.HEAD not in roles:
            raise CaseHeldByAnother()
        reason = _require_reason(reason)
    previous = case.assignee_id
    case.assignee = None
    lifecycle.apply(case, Action.RELEASE, by=by, note=reason, data={"from_user": previous}, fields=("assignee",))
    return case


@transaction.atomic
def case_reassign(*, case: Case, by, to, reason: str) -> Case:
    """The head gives a case (waiting or in review) to a specialist of the same back office."""
    case = lifecycle.lock_case(case)
    lifecycle.check(case, Action.REASSIGN, by)
    reason = _require_reason(reason)
    forget_access(to)
    if case.back_office_id not in access_for(to).back_office_ids:
        raise ValidationError({"to": _("This person does not work in the case's back office.")})
    if case.created_by_id == to.pk:
        raise SeparationOfDuties(_("This person opened the case at a front office and cannot review it."))
    if case.status == S.IN_REVIEW and case.assignee_id == to.pk:
        return case
    previous = case.assignee_id
    case.assignee = to
    lifecycle.apply(
        case, Action.REASSIGN, by=by, note=reason, data={"from_user": previous, "to_user": to.pk}, fields=("assignee",)
    )
    return case


def _decision_text(case: Case, grounds: Iterable[RefusalGround]) -> str:
    """What the front office reads in its inbox: the decision, the grounds of a refusal and the reasons."""
    lines = [str(case.get_decision_display())]
    lines += [f"— {g.text}" for g in grounds]
    if case.decision_reason:
        lines.append(case.decision_reason)
    return "\n".join(lines)


# --- Review -------------------------------------------------------------------------------------------------------


@transaction.atomic
def case_accept(*, case: Case, by) -> Case:
    """Confirm the package is complete. The first acceptance makes the intake billable (one accrual, ever)."""
    case = lifecycle.lock_case(case)
    lifecycle.check(case, Action.ACCEPT, by)
    _require_holder(case, by)
    if case.accepted_at is not None:
        return case  # accepted before (perhaps before a request for information): one intake, one fee
    case.accepted_at = clock.now()
    case.accepted_by = by
    case.save(update_fields=["accepted_at", "accepted_by"])
    lifecycle.record(case, Action.ACCEPT, by=by)
    accrual_record_for_acceptance(case=case, accepted_at=case.accepted_at)
    return case


@transaction.atomic
def case_request_info(*, case: Case, by, message: str, items: list[ChecklistItem] = ()) -> Case:
    """Ask the front office for what is missing; the case leaves the queue and its clock may pause."""
    case = lifecycle.lock_case(case)
    lifecycle.check(case, Action.REQUEST_INFO, by)
    _require_holder(case, by)
    message = _require_reason(message, "message")
    foreign = [i for i in items if i.service_type_id != case.service_type_id]
    if foreign:
        raise ValidationError({"items": _("These checklist items are not of this case's service.")})
    request = InfoRequest.objects.create(case=case, requested_by=by, message=message)
    request.items.set(items)
    case.clock_paused_at = clock.now() if case.service_type.pause_clock_on_info_request else None
    lifecycle.apply(
        case,
        Action.REQUEST_INFO,
        by=by,
        note=message,
        data={"items": [i.pk for i in items]},
        fields=("clock_paused_at",),
    )
    text = message
    if items:
        text += "\n" + _("Missing: %(items)s.") % {"items": "; ".join(i.title for i in items)}
    inbox_post(case=case, kind=InboxMessage.Kind.NEEDS_INFO, text=text)
    return case


@transaction.atomic
def case_decide(*, case: Case, by, decision: str, grounds: list[RefusalGround] = (), reason: str = "") -> Case:
    """Grant, or refuse on at least one legal ground of the service with written reasons. A refusal on a service
    that needs four eyes waits for the head's approval."""
    case = lifecycle.lock_case(case)
    lifecycle.check(case, Action.DECIDE, by)
    _require_holder(case, by)
    _require_not_own_intake(case, by)
    if case.accepted_at is None:
        raise PackageNotAccepted()
    if decision not in Case.Decision.values:
        raise ValidationError({"decision": _("Choose to grant or to refuse.")})
    reason = (reason or "").strip()
    grounds = list(grounds)
    if decision == Case.Decision.REFUSED:
        if not grounds:
            raise ValidationError({"grounds": _("A refusal must cite at least one legal ground.")})
        if any(g.service_type_id != case.service_type_id for g in grounds):
            raise ValidationError({"grounds": _("These grounds are not grounds of this service.")})
        reason = _require_reason(reason)
    elif grounds:
        raise ValidationError({"grounds": _("A grant cites no refusal grounds.")})
    case.decision = decision
    case.decision_reason = reason
    case.decided_by = by
    case.refusal_grounds.set(grounds)
    pending = decision == Case.Decision.REFUSED and case.service_type.refusal_needs_approval
    fields = ["decision", "decision_reason", "decided_by"]
    if not pending:
        case.decided_at = clock.now()
        fields.append("decided_at")
    lifecycle.apply(
        case,
        Action.DECIDE,
        by=by,
        to=S.REFUSAL_PENDING if pending else S.DECIDED,
        note=reason,
        data={"decision": decision, "grounds": [g.code for g in grounds]},
        fields=tuple(fields),
    )
    if not pending:
        inbox_post(case=case, kind=InboxMessage.Kind.DECIDED, text=_decision_text(case, grounds))
    return case


@transaction.atomic
def case_approve_refusal(*, case: Case, by, note: str = "") -> Case:
    """The head signs a specialist's refusal. Nobody approves their own refusal."""
    case = lifecycle.lock_case(case)
    if case.status == S.DECIDED and case.decision_approved_by_id == by.pk:
        return case
    lifecycle.check(case, Action.APPROVE_REFUSAL, by)
    if case.decided_by_id == by.pk:
        raise SeparationOfDuties(_("You proposed this refusal; another head must approve it."))
    _require_not_own_intake(case, by)
    case.decision_approved_by = by
    case.decided_at = clock.now()
    lifecycle.apply(
        case, Action.APPROVE_REFUSAL, by=by, note=note.strip(), fields=("decision_approved_by", "decided_at")
    )
    inbox_post(case=case, kind=InboxMessage.Kind.DECIDED, text=_decision_text(case, case.refusal_grounds.all()))
    return case


@transaction.atomic
def case_return_refusal(*, case: Case, by, note: str) -> Case:
    """The head sends a proposed refusal back to the specialist, saying why."""
    case = lifecycle.lock_case(case)
    lifecycle.check(case, Action.RETURN_REFUSAL, by)
    note = _require_reason(note, "note")
    case.decision = ""
    case.decision_reason = ""
    case.decided_by = None
    case.refusal_grounds.clear()
    lifecycle.apply(case, Action.RETURN_REFUSAL, by=by, note=note, fields=("decision", "decision_reason", "decided_by"))
    return case


@transaction.atomic
def case_reject_intake(*, case: Case, by, reason: str) -> Case:
    """Not a valid intake (duplicate, wrong office, incomplete personal data): not a refusal, never billable."""
    case = lifecycle.lock_case(case)
    lifecycle.check(case, Action.REJECT_INTAKE, by)
    _require_holder(case, by)
    reason = _require_reason(reason)
    if case.accepted_at is not None:
        raise TransitionNotAllowed(_("The package was already accepted as a valid intake; decide on it instead."))
    lifecycle.apply(case, Action.REJECT_INTAKE, by=by, note=reason)
    inbox_post(case=case, kind=InboxMessage.Kind.INTAKE_REJECTED, text=reason)
    return case


# --- The head's bulk actions -------------------------------------------------------------------------------------


class BulkAction(TextChoices):
    ASSIGN = "assign", gettext_lazy("Assign to a specialist")
    RELEASE = "release", gettext_lazy("Release to the queue")


@dataclass
class BulkOutcome:
    done: list[Case] = field(default_factory=list)
    failed: list[tuple[Case, str]] = field(default_factory=list)


def cases_bulk(*, cases: Iterable[Case], by, action: str, reason: str, to=None) -> BulkOutcome:
    """The head assigns (or reassigns) or releases many cases at once, with one reason for all.

    Each case goes through its own transition service in its own transaction, in id order: one case that can no
    longer move (decided meanwhile, held by the proposer of a refusal…) is reported and does not hold back the rest.
    """
    reason = _require_reason(reason)
    if action not in BulkAction.values:
        raise ValidationError({"action": _("Choose what to do with the selected cases.")})
    if action == BulkAction.ASSIGN and to is None:
        raise ValidationError({"to": _("Choose the specialist to assign the cases to.")})
    outcome = BulkOutcome()
    for case in sorted(cases, key=lambda c: c.pk):
        try:
            if action == BulkAction.ASSIGN:
                outcome.done.append(case_reassign(case=case, by=by, to=to, reason=reason))
            else:
                outcome.done.append(case_release(case=case, by=by, reason=reason))
        except DomainError as error:
            outcome.failed.append((case, str(error.message)))
        except ValidationError as error:
            outcome.failed.append((case, " ".join(error.messages)))
    return outcome
