"""The back office's writes: taking cases from the shared queue, reviewing, deciding, asking for more.

One function per transition, one transaction each, the row locked first. Duties are separated here, not by
hiding buttons: the holder of a case acts on it, the head approves refusals but never their own, and nobody
reviews a case they opened at a front office.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet, TextChoices
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import clock
from cases.access import access_for, forget_access
from cases.exceptions import DomainError, NotPermitted, SeparationOfDuties
from cases.lifecycle import CASES, Action
from cases.models import Case, CaseEvent, ChecklistItem, InboxMessage, InfoRequest, Membership, RefusalGround
from cases.services import inbox_post
from cases.statemachine import Change
from payments.services.ledger import accrual_record_for_acceptance

S = Case.Status
R = Membership.Role


def _require_reason(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({field: _("Give a reason.")})
    return reason


# --- Claiming -----------------------------------------------------------------------------------------------------


def _set_assignee(a) -> Change:
    a.obj.assignee = a.by
    return Change(fields=("assignee",))


def case_claim(*, case: Case, by) -> Case:
    """Take a chosen case from the queue. Two people never hold the same case: the row lock decides."""
    return CASES.execute(case, Action.CLAIM, by=by, change=_set_assignee).obj


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
    waiting = queue_waiting(back_office_ids=ids).exclude(**{CLAIM_GUARDS_ORM["not_own_intake"]: by})
    if connection.features.has_select_for_update_skip_locked:
        waiting = waiting.select_for_update(skip_locked=True, of=("self",))
    case = waiting.select_related("service_type").first()
    if case is None:
        return None
    return CASES.execute(case, Action.CLAIM, by=by, change=_set_assignee, locked=True).obj


# The queue's hot path (docs/performance.md): find the next case, lock it, claim it and write its timeline event in
# one statement — one round trip and no ORM compiling, so 32 specialists claiming at once on two cores are not kept
# waiting by Python. It is ``CASES.execute`` for CLAIM, spelled in SQL: the back offices passed in are those where
# the user holds a role the table lets claim, the state is the table's source, and each guard of the table's CLAIM
# row has its SQL below — a guard added to the table without its SQL here stops the module from importing.
CLAIM_GUARDS_SQL = {"not_own_intake": "created_by_id <> %(by)s"}
CLAIM_GUARDS_ORM = {"not_own_intake": "created_by"}  # the SQLite path's .exclude(...)
_claim_rule = CASES.rules[Action.CLAIM]
if {g.name for g in _claim_rule.guards} != set(CLAIM_GUARDS_SQL) or set(CLAIM_GUARDS_SQL) != set(CLAIM_GUARDS_ORM):
    raise ImproperlyConfigured("claim-next: every guard of the CLAIM rule needs its SQL in CLAIM_GUARDS_SQL")

_CLAIM_NEXT = """
WITH next AS (
    SELECT id FROM {case}
    WHERE status = %(source)s AND back_office_id IN ({offices}) AND assignee_id IS NULL AND {guards}
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
    if not access_for(by).roles & _claim_rule.roles:
        raise NotPermitted(action=Action.CLAIM)
    (source,) = _claim_rule.sources
    offices = {f"office{n}": pk for n, pk in enumerate(sorted(back_office_ids))}
    sql = _CLAIM_NEXT.format(
        case=Case._meta.db_table,
        event=CaseEvent._meta.db_table,
        offices=", ".join(f"%({name})s" for name in offices),
        guards=" AND ".join(CLAIM_GUARDS_SQL[g.name] for g in _claim_rule.guards),
    )
    params = {
        **offices,
        "source": source,
        "target": _claim_rule.target,
        "by": by.pk,
        "now": clock.now(),
        "action": Action.CLAIM.value,
    }
    return next(iter(Case.objects.raw(sql, params)), None)


def case_release(*, case: Case, by, reason: str = "") -> Case:
    """Put a case back in the queue: the holder may release their own; the head any, with a reason."""

    def change(a) -> Change:
        note = reason if a.obj.assignee_id == by.pk else _require_reason(reason)
        previous = a.obj.assignee_id
        a.obj.assignee = None
        return Change(fields=("assignee",), note=note, data={"from_user": previous})

    return CASES.execute(case, Action.RELEASE, by=by, change=change).obj


def case_reassign(*, case: Case, by, to, reason: str) -> Case:
    """The head gives a case (waiting or in review) to a specialist of the same back office."""

    def change(a) -> Change:
        note = _require_reason(reason)
        forget_access(to)
        if a.obj.back_office_id not in access_for(to).back_office_ids:
            raise ValidationError({"to": _("This person does not work in the case's back office.")})
        if a.obj.created_by_id == to.pk:
            raise SeparationOfDuties(_("This person opened the case at a front office and cannot review it."))
        previous = a.obj.assignee_id
        a.obj.assignee = to
        return Change(fields=("assignee",), note=note, data={"from_user": previous, "to_user": to.pk})

    return CASES.execute(case, Action.REASSIGN, by=by, params={"to": to}, change=change).obj


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

    def change(a) -> Change:
        a.obj.accepted_at, a.obj.accepted_by = clock.now(), by
        return Change(fields=("accepted_at", "accepted_by"))

    outcome = CASES.execute(case, Action.ACCEPT, by=by, change=change)
    if not outcome.repeated:
        accrual_record_for_acceptance(case=outcome.obj, accepted_at=outcome.obj.accepted_at)
    return outcome.obj


@transaction.atomic
def case_request_info(*, case: Case, by, message: str, items: list[ChecklistItem] = ()) -> Case:
    """Ask the front office for what is missing; the case leaves the queue and its clock may pause."""
    items = list(items)

    def change(a) -> Change:
        case = a.obj
        text = _require_reason(message, "message")
        if any(i.service_type_id != case.service_type_id for i in items):
            raise ValidationError({"items": _("These checklist items are not of this case's service.")})
        request = InfoRequest.objects.create(case=case, requested_by=by, message=text)
        request.items.set(items)
        case.clock_paused_at = clock.now() if case.service_type.pause_clock_on_info_request else None
        return Change(fields=("clock_paused_at",), note=text, data={"items": [i.pk for i in items]})

    outcome = CASES.execute(case, Action.REQUEST_INFO, by=by, change=change)
    if not outcome.repeated:
        text = message.strip()
        if items:
            text += "\n" + _("Missing: %(items)s.") % {"items": "; ".join(i.title for i in items)}
        inbox_post(case=outcome.obj, kind=InboxMessage.Kind.NEEDS_INFO, text=text)
    return outcome.obj


@transaction.atomic
def case_decide(*, case: Case, by, decision: str, grounds: list[RefusalGround] = (), reason: str = "") -> Case:
    """Grant, or refuse on at least one legal ground of the service with written reasons. A refusal on a service
    that needs four eyes waits for the head's approval (the table's resolver picks the state)."""
    grounds = list(grounds)

    def change(a) -> Change:
        case = a.obj
        errors = {}
        if decision not in Case.Decision.values:
            errors["decision"] = _("Choose to grant or to refuse.")
        text = (reason or "").strip()
        if decision == Case.Decision.REFUSED:
            if not grounds:
                errors["grounds"] = _("A refusal must cite at least one legal ground.")
            elif any(g.service_type_id != case.service_type_id for g in grounds):
                errors["grounds"] = _("These grounds are not grounds of this service.")
            if not text:
                errors["reason"] = _("Give a reason.")
        elif grounds:
            errors["grounds"] = _("A grant cites no refusal grounds.")
        if errors:
            raise ValidationError(errors)
        case.decision, case.decision_reason, case.decided_by = decision, text, by
        case.refusal_grounds.set(grounds)
        fields = ["decision", "decision_reason", "decided_by"]
        if _decision_final(case, decision):
            case.decided_at = clock.now()
            fields.append("decided_at")
        return Change(
            fields=tuple(fields), note=text, data={"decision": decision, "grounds": [g.code for g in grounds]}
        )

    outcome = CASES.execute(case, Action.DECIDE, by=by, params={"decision": decision}, change=change)
    if not outcome.repeated and outcome.obj.status == S.DECIDED:
        inbox_post(case=outcome.obj, kind=InboxMessage.Kind.DECIDED, text=_decision_text(outcome.obj, grounds))
    return outcome.obj


def _decision_final(case: Case, decision: str) -> bool:
    return not (decision == Case.Decision.REFUSED and case.service_type.refusal_needs_approval)


@transaction.atomic
def case_approve_refusal(*, case: Case, by, note: str = "") -> Case:
    """The head signs a specialist's refusal. Nobody approves their own refusal."""

    def change(a) -> Change:
        a.obj.decision_approved_by, a.obj.decided_at = by, clock.now()
        return Change(fields=("decision_approved_by", "decided_at"), note=note.strip())

    outcome = CASES.execute(case, Action.APPROVE_REFUSAL, by=by, change=change)
    if not outcome.repeated:
        case = outcome.obj
        inbox_post(case=case, kind=InboxMessage.Kind.DECIDED, text=_decision_text(case, case.refusal_grounds.all()))
    return outcome.obj


def case_return_refusal(*, case: Case, by, note: str) -> Case:
    """The head sends a proposed refusal back to the specialist, saying why."""

    def change(a) -> Change:
        text = _require_reason(note, "note")
        a.obj.decision, a.obj.decision_reason, a.obj.decided_by = "", "", None
        a.obj.refusal_grounds.clear()
        return Change(fields=("decision", "decision_reason", "decided_by"), note=text)

    return CASES.execute(case, Action.RETURN_REFUSAL, by=by, change=change).obj


@transaction.atomic
def case_reject_intake(*, case: Case, by, reason: str) -> Case:
    """Not a valid intake (duplicate, wrong office, incomplete personal data): not a refusal, never billable."""

    def change(a) -> Change:
        return Change(note=_require_reason(reason))

    outcome = CASES.execute(case, Action.REJECT_INTAKE, by=by, change=change)
    if not outcome.repeated:
        inbox_post(case=outcome.obj, kind=InboxMessage.Kind.INTAKE_REJECTED, text=reason.strip())
    return outcome.obj


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
