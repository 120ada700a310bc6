"""The case lifecycle as one table (docs/product.md §5), run by the one executor of ``cases.statemachine``.

    draft ──submit──▶ submitted ──claim──▶ in_review ──decide──▶ decided ──hand over──▶ closed
                        ▲    ▲               │  │  └──decide (refusal needing approval)──▶ refusal_pending
                        │    └──release──────┘  │                     approve ──▶ decided / return ──▶ in_review
                        └──resubmit── needs_info ◀──request info──┘
    withdraw: draft | submitted | needs_info ──▶ withdrawn
    reject intake: in_review (package not yet accepted) ──▶ intake_rejected (not an intake: never billable)

Every precondition is a named guard in ``CASE_RULES``: the holder, the package accepted (or not yet), not one's own
intake, not the proposer of a refusal, the checklist complete, every page ready. The acts that change no state —
accepting the package, changing documents, printing the receipt or the notice — are rows of the same table, so
``available_actions(case, user)`` answers every "may I?" a page, a serializer or the API asks. Each transition
service (frontoffice.services, backoffice.services) keeps only what is its own: the fields it sets and the input it
validates, passed to ``CASES.execute`` as its ``change``.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.access import access_for
from cases.checklist import missing_items, pages_not_ready, shared_documents
from cases.exceptions import (
    CaseHeldByAnother,
    ChecklistIncomplete,
    NotPermitted,
    PackageNotAccepted,
    PagesNotReady,
    SeparationOfDuties,
    TransitionNotAllowed,
)
from cases.models import Case, CaseEvent, Document, Membership
from cases.statemachine import SYSTEM, Attempt, Guard, Machine, guard, rule

S = Case.Status
R = Membership.Role


class Action(models.TextChoices):
    OPEN = "open", _("Opened")
    SUBMIT = "submit", _("Submitted to the back office")
    WITHDRAW = "withdraw", _("Withdrawn")
    CLAIM = "claim", _("Taken for review")
    RELEASE = "release", _("Released to the queue")
    REASSIGN = "reassign", _("Reassigned")
    ACCEPT = "accept", _("Package accepted as complete")
    REQUEST_INFO = "request_info", _("Information requested")
    RESUBMIT = "resubmit", _("Resubmitted with more documents")
    DECIDE = "decide", _("Decided")
    APPROVE_REFUSAL = "approve_refusal", _("Refusal approved")
    RETURN_REFUSAL = "return_refusal", _("Refusal returned for review")
    REJECT_INTAKE = "reject_intake", _("Intake rejected")
    HAND_OVER = "hand_over", _("Decision handed to the applicant")
    # Acts: the table answers "may I?" for them too, but they change no state and most write no timeline row.
    EDIT_DOCUMENTS = "edit_documents", _("Change the documents")
    PRINT_RECEIPT = "print_receipt", _("Print the receipt")
    PRINT_NOTICE = "print_notice", _("Print the decision notice")
    # A timeline note, not a rule: the robot checked the case and passed it to people (eligibility app).
    ROBOT_REVIEW = "robot_review", _("Checked by the robot: a person decides")
    # A fixed-term benefit's renewal (renewals app): the system sends the case it opened to be checked once the
    # registries have answered — no application and no papers from the person — and, when the robot cannot renew,
    # notes that the person was told what to bring.
    RENEWAL_SUBMIT = "renewal_submit", _("Renewal sent to be checked (no application needed)")
    RENEWAL_TOLD = "renewal_told", _("Renewal: the person was told what to bring")
    # A timeline note: the applicant sent pages through the phone link of a request for information (public app).
    PHONE_UPLOAD = "phone_upload", _("Pages sent by the applicant from a phone")


# Documents may be added or changed only while the package is with the front office.
EDITABLE = frozenset({S.DRAFT, S.NEEDS_INFO})
BACK = (R.SPECIALIST, R.HEAD)
FRONT = (R.CLERK, R.SUPERVISOR)
# The automatic decision maker (eligibility app): a system user created by a data migration, never signing in.
# It holds this role for every case and nothing else, so the table alone says what it may do: claim a waiting case,
# accept its package and grant it — the same guards as for anyone (it decides only a case it holds).
ROBOT = "robot"
ROBOT_USERNAME = "robot"
DECIDERS = (*BACK, ROBOT)


# --- Guards -------------------------------------------------------------------------------------------------------


def _holder_error(a: Attempt) -> CaseHeldByAnother:
    if a.obj.assignee_id is None:
        return CaseHeldByAnother(_("Take the case first: only the specialist holding it can do this."))
    return CaseHeldByAnother()


holder = Guard(
    "holder", holds=lambda a: a.obj.assignee_id is not None and a.obj.assignee_id == a.by_id, error=_holder_error
)


@guard("holder_or_head", CaseHeldByAnother)
def holder_or_head(a: Attempt) -> bool:
    return a.obj.assignee_id == a.by_id or R.HEAD in a.roles


@guard("not_own_intake", SeparationOfDuties, _("You opened this case at a front office; someone else must review it."))
def not_own_intake(a: Attempt) -> bool:
    return a.obj.created_by_id != a.by_id


@guard("not_proposer", SeparationOfDuties, _("You proposed this refusal; another head must approve it."))
def not_proposer(a: Attempt) -> bool:
    return a.obj.decided_by_id != a.by_id


@guard("accepted", PackageNotAccepted)
def accepted(a: Attempt) -> bool:
    return a.obj.accepted_at is not None


@guard(
    "not_accepted",
    TransitionNotAllowed,
    _("The package was already accepted as a valid intake; decide on it instead."),
)
def not_accepted(a: Attempt) -> bool:
    return a.obj.accepted_at is None


def _checklist_error(a: Attempt) -> ChecklistIncomplete:
    missing = missing_items(a.obj)
    return ChecklistIncomplete(
        _("The package is incomplete. Missing: %(items)s.") % {"items": "; ".join(i.title for i in missing)},
        missing=[i.pk for i in missing],
    )


checklist_complete = Guard("checklist_complete", holds=lambda a: not missing_items(a.obj), error=_checklist_error)


@guard("pages_ready", PagesNotReady)
def pages_ready(a: Attempt) -> bool:
    return not pages_not_ready(a.obj)


def _answered(a: Attempt) -> bool:
    """A request that named missing items is answered only by adding something after it: a document of this case
    (or of its application's shared evidence) created since the request. A request without items may be answered
    by a note alone."""
    case = a.obj
    request = next((r for r in case.info_requests.all() if r.answered_at is None), None)
    if request is None or not request.items.exists():
        return True
    since = request.created_at
    own = Document.objects.filter(case=case, created_at__gt=since).exists()
    return own or any(d.created_at > since for d in shared_documents(case))


answered = Guard(
    "answered",
    holds=_answered,
    error=lambda a: TransitionNotAllowed(_("Add what the back office asked for before resubmitting.")),
)


@guard("submitted_once", TransitionNotAllowed, _("The receipt is issued once the package is submitted."))
def submitted_once(a: Attempt) -> bool:
    return a.obj.first_submitted_at is not None


@guard(
    "robot_grants_only",
    SeparationOfDuties,
    _("The robot only grants: a refusal needs a person."),
    needs_params=True,
)
def robot_grants_only(a: Attempt) -> bool:
    return ROBOT not in a.roles or a.params.get("decision") == Case.Decision.GRANTED


# The product itself passes on the packages it assembled with the person's consent (a proactive offer accepted, a
# renewal): those channels only. Every other package is a front office's to submit.
PRODUCT_CHANNELS = frozenset({Case.Channel.PROACTIVE, Case.Channel.RENEWAL})


@guard(
    "system_submits_product_channels",
    NotPermitted,
    _("Only a package the product assembled itself (proactive or renewal) is passed on without a clerk."),
)
def system_submits_product_channels(a: Attempt) -> bool:
    return a.by is not None or a.obj.channel in PRODUCT_CHANNELS  # the system acts with by=None (role SYSTEM)


@guard(
    "renewal_channel",
    TransitionNotAllowed,
    _("Only a renewal opened by the system goes to be checked without the front office's package."),
)
def renewal_channel(a: Attempt) -> bool:
    return a.obj.channel == Case.Channel.RENEWAL


def _no_decision_yet() -> TransitionNotAllowed:
    return TransitionNotAllowed(_("There is no decision to print yet."))


def _decision_target(a: Attempt) -> str:
    """A refusal on a service that needs four eyes waits for the head; everything else is decided."""
    refusal = a.params.get("decision") == Case.Decision.REFUSED
    return S.REFUSAL_PENDING if refusal and a.obj.service_type.refusal_needs_approval else S.DECIDED


# --- The table ----------------------------------------------------------------------------------------------------

CASE_RULES = (
    rule(
        Action.SUBMIT,
        {S.DRAFT},
        {R.CLERK, SYSTEM},
        S.SUBMITTED,
        guards=(checklist_complete, pages_ready, system_submits_product_channels),
    ),
    rule(Action.WITHDRAW, {S.DRAFT, S.SUBMITTED, S.NEEDS_INFO}, {R.CLERK}, S.WITHDRAWN),
    # The system only (renewals.services.renewal_submit): the renewal's evidence is the fresh registry answers and
    # the previous grant, so the package checklist is not asked; a person who reviews it asks for what is missing.
    rule(Action.RENEWAL_SUBMIT, {S.DRAFT}, {SYSTEM}, S.SUBMITTED, guards=(renewal_channel,)),
    rule(
        Action.CLAIM,
        {S.SUBMITTED},
        DECIDERS,
        S.IN_REVIEW,
        guards=(not_own_intake,),
        done=lambda a: a.obj.status == S.IN_REVIEW and a.obj.assignee_id == a.by_id,
        state_errors={S.IN_REVIEW: CaseHeldByAnother},
    ),
    rule(Action.RELEASE, {S.IN_REVIEW}, BACK, S.SUBMITTED, guards=(holder_or_head,)),
    # The head assigns waiting cases (bulk assignment) and moves cases between specialists.
    rule(
        Action.REASSIGN,
        {S.SUBMITTED, S.IN_REVIEW},
        {R.HEAD},
        S.IN_REVIEW,
        done=lambda a: (
            a.obj.status == S.IN_REVIEW and "to" in a.params and a.obj.assignee_id == getattr(a.params["to"], "pk", 0)
        ),
    ),
    # Accepted once, ever: a package accepted before a request for information is not accepted (nor paid) again —
    # for its holder that is a quiet repeat; anyone else is refused by the guards as usual.
    rule(
        Action.ACCEPT,
        {S.IN_REVIEW},
        DECIDERS,
        guards=(holder,),
        done=lambda a: a.obj.accepted_at is not None and a.obj.assignee_id == a.by_id,
    ),
    rule(Action.REQUEST_INFO, {S.IN_REVIEW}, BACK, S.NEEDS_INFO, guards=(holder,)),
    rule(Action.RESUBMIT, {S.NEEDS_INFO}, {R.CLERK}, S.SUBMITTED, guards=(answered, checklist_complete, pages_ready)),
    rule(
        Action.DECIDE,
        {S.IN_REVIEW},
        DECIDERS,
        resolve=_decision_target,
        targets=frozenset({S.DECIDED, S.REFUSAL_PENDING}),
        guards=(holder, not_own_intake, accepted, robot_grants_only),
    ),
    rule(
        Action.APPROVE_REFUSAL,
        {S.REFUSAL_PENDING},
        {R.HEAD},
        S.DECIDED,
        guards=(not_proposer, not_own_intake),
        done=lambda a: a.obj.status == S.DECIDED and a.obj.decision_approved_by_id == a.by_id,
    ),
    rule(Action.RETURN_REFUSAL, {S.REFUSAL_PENDING}, {R.HEAD}, S.IN_REVIEW),
    rule(Action.REJECT_INTAKE, {S.IN_REVIEW}, BACK, S.INTAKE_REJECTED, guards=(holder, not_accepted)),
    rule(Action.HAND_OVER, {S.DECIDED}, {R.CLERK}, S.CLOSED),
    rule(Action.EDIT_DOCUMENTS, EDITABLE, {R.CLERK}, records=False),
    rule(Action.PRINT_RECEIPT, set(S.values) - {S.DRAFT}, FRONT + BACK, guards=(submitted_once,), records=False),
    # A decided or closed case always has its decision (a database constraint), so the state is the whole rule.
    rule(
        Action.PRINT_NOTICE,
        {S.DECIDED, S.CLOSED},
        FRONT + BACK,
        records=False,
        state_errors={s: _no_decision_yet for s in S.values if s not in (S.DECIDED, S.CLOSED)},
    ),
)


def is_robot(user) -> bool:
    return user is not None and getattr(user, "username", None) == ROBOT_USERNAME and not user.has_usable_password()


def _roles_for_case(case: Case, user) -> frozenset[str]:
    if is_robot(user):
        return frozenset({ROBOT})
    return access_for(user).roles_for_case(case)


def _action_label(action: str) -> str:
    return Action(action).label if action in Action.values else action


CASES = Machine(
    name="case",
    model=Case,
    rules=CASE_RULES,
    roles_of=_roles_for_case,
    history=CaseEvent,
    owner_field="case",
    touch=("updated_at",),
    select_related=("service_type",),
    action_label=_action_label,
)
ALLOWED_TRANSITIONS = {action: r for action, r in CASES.rules.items() if r.is_transition}


def lock_case(case: Case | int) -> Case:
    """Re-read the case under ``SELECT … FOR UPDATE``. Call inside ``transaction.atomic``."""
    return CASES.lock(case)


def record(case: Case, action: str, *, by, note: str = "", data: dict | None = None) -> CaseEvent:
    """A timeline entry that is not a change of state (a case opened)."""
    return CASES.record(case, action, by=by, note=note, data=data)


def available_actions(case: Case, user) -> frozenset[str]:
    """Everything ``user`` may do with ``case`` now, by the same table and guards the executor runs."""
    return CASES.available_actions(case, user)


def package_complete(case: Case) -> bool:
    """The submit rule's guards: every checklist item satisfied and every page ready."""
    return CASES.guards_hold(case, Action.SUBMIT)


def documents_editable(case: Case) -> bool:
    """The state in which the table lets a case's documents change (for callers with no clerk: the phone link)."""
    return case.status in CASES.rules[Action.EDIT_DOCUMENTS].sources


def notice_ready(case: Case) -> bool:
    """The state in which the table lets the decision notice be printed (for the applicant's own status page)."""
    return case.status in CASES.rules[Action.PRINT_NOTICE].sources
