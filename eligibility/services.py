"""The robot and the parameter workflow. Writes only; reads in ``selectors``.

``case_evaluate`` is the robot's whole job for one case (run by the ``eligibility.evaluate_case`` task after a
submission or a registry answer): evaluate, store the evaluation, and — for an automatic service whose every
condition passed on registry facts — claim, accept (the fee accrues as for any accepted intake) and grant through the
one executor, as the ``robot`` user. Anything else leaves the case in the people's queue with a ``robot_review`` row
on its timeline that carries the explanation. The robot never refuses, never asks for papers, never decides a case
it cannot hold (a person took it, it was withdrawn, it is decided): then it changes nothing.
"""

import logging
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cases import clock
from cases.lifecycle import CASES, ROBOT_USERNAME, Action
from cases.models import Case, InboxMessage, ServiceType
from cases.services import inbox_post
from cases.services import system_user as kernel_system_user
from cases.statemachine import Change, Step
from eligibility import rules
from eligibility.engine import Result, evaluate_facts, params_for
from eligibility.facts import facts_for
from eligibility.models import DryRun, Evaluation, Parameter, ParameterChange, RulePublication
from payments.services.ledger import accrual_record_for_acceptance

logger = logging.getLogger(__name__)
S = Case.Status
OUT = Evaluation.Outcome


def robot_user():
    """The system user the robot acts as (created by the eligibility migration; it cannot sign in)."""
    return kernel_system_user(ROBOT_USERNAME, _("Robot"))


def explanation_data(result: Result) -> dict:
    """What the timeline row keeps: the kernel's serializer and the notice read it from there."""
    return {
        "robot": True,
        "evaluation_outcome": result.outcome,
        "reason": result.reason,
        "rules_version": result.rules_version,
        "amount": str(result.amount) if result.amount is not None else None,
        "months": result.months,
        "explanation": result.conditions,
        "steps": result.steps,
    }


def _store(case: Case, result: Result, *, trigger: str, acted: bool = False) -> Evaluation:
    return Evaluation.objects.create(
        case=case,
        trigger=trigger,
        service=result.service,
        rules_version=result.rules_version,
        filing_date=result.filing_date,
        outcome=result.outcome,
        reason=result.reason[:300],
        amount=result.amount,
        months=result.months,
        facts=result.facts,
        parameters=result.parameters,
        conditions=result.conditions,
        steps=result.steps,
        registry_backed=result.registry_backed,
        acted=acted,
    )


def _summary(data: dict | None) -> tuple:
    data = data or {}
    return (
        data.get("evaluation_outcome"),
        data.get("rules_version"),
        data.get("amount"),
        data.get("reason"),
        tuple((c.get("code"), c.get("result")) for c in data.get("explanation", [])),
    )


def case_evaluate(*, case_id: int, trigger: str = "") -> Evaluation | None:
    """Evaluate a waiting case and act as the robot may. Idempotent: a case not waiting in the queue (taken by a
    person, decided, withdrawn…) is left exactly as it is, and a repeat on a decided case writes nothing.

    The case row is locked first and read once (with its service and applicant); the facts are read and the rule
    run under that lock, so nothing can take the case between the evaluation and the robot's decision."""
    with transaction.atomic():
        try:
            case = CASES.lock(case_id, related=("applicant",))
        except Case.DoesNotExist:
            return None
        if case.status != S.SUBMITTED or case.assignee_id is not None:
            return None  # a person took it, another robot run decided it, it was withdrawn
        if case.service_type.code not in rules.SERVICES:
            return None
        result = evaluate_facts(facts_for(case))
        robot = robot_user()
        automatic = case.service_type.decision_mode == ServiceType.DecisionMode.AUTOMATIC
        grant = automatic and result.outcome == OUT.GRANT and result.registry_backed and result.amount is not None
        evaluation = _store(case, result, trigger=trigger, acted=grant)
        data = explanation_data(result)
        if grant:
            _grant(case, robot=robot, data=data, result=result)
            return evaluation
        if not automatic:
            return evaluation  # a manual service: the reviewer's page shows the evaluation; the timeline is theirs
        last = case.events.filter(action=Action.ROBOT_REVIEW).order_by("-at", "-pk").first()
        if last is None or _summary(last.data) != _summary(data):
            CASES.record(case, Action.ROBOT_REVIEW, by=robot, note=data["reason"], data=data)
    return evaluation


def _grant(case: Case, *, robot, data: dict, result: Result) -> None:
    """Claim, accept and grant under the lock the caller holds, as any reviewer would (same table, same guards),
    written as one UPDATE and one INSERT of the three timeline rows (``execute_chain``)."""

    def claim(a) -> Change:
        a.obj.assignee = robot
        return Change(fields=("assignee",))

    def accept(a) -> Change:
        a.obj.accepted_at, a.obj.accepted_by = clock.now(), robot
        return Change(fields=("accepted_at", "accepted_by"))

    def decide(a) -> Change:
        a.obj.decision, a.obj.decided_by, a.obj.decided_at = Case.Decision.GRANTED, robot, clock.now()
        a.obj.decision_reason = _("Granted automatically: every condition passed (rules %(version)s).") % {
            "version": result.rules_version
        }
        return Change(
            fields=("decision", "decision_reason", "decided_by", "decided_at"),
            note=a.obj.decision_reason,
            data={"decision": Case.Decision.GRANTED, "grounds": [], **data},
        )

    _claimed, accepted, _decided = CASES.execute_chain(
        case,
        [
            Step(Action.CLAIM, change=claim),
            Step(Action.ACCEPT, change=accept),
            Step(Action.DECIDE, change=decide, params={"decision": Case.Decision.GRANTED}),
        ],
        by=robot,
    )
    text = "\n".join(
        [str(case.get_decision_display()), case.decision_reason]
        + ([_("Amount: %(amount)s UAH") % {"amount": data["amount"]}] if data.get("amount") else [])
    )
    inbox_post(case=case, kind=InboxMessage.Kind.DECIDED, text=text)
    if not accepted.repeated:
        # Last: the fee line holds its community's statement row until the commit, so it is held for the least time
        # (every intake a community's offices have accepted at once waits on that one row).
        accrual_record_for_acceptance(case=case, accepted_at=case.accepted_at)


# --- parameters: proposed, dry-run, approved by a second person ---------------------------------------------------


def parameter_change_propose(*, by, service: str, code: str, value, valid_from, reference: str, valid_to=None):
    if service not in rules.SERVICES:
        raise ValidationError({"service": _("No rules for this service.")})
    known = {p for v in rules.versions_of(service) for p in v.parameters}
    if code not in known:
        raise ValidationError({"code": _("The rules of this service use no such parameter.")})
    if not (reference or "").strip():
        raise ValidationError({"reference": _("Name the act that fixes this value.")})
    return ParameterChange.objects.create(
        service=service,
        code=code,
        value=value,
        valid_from=valid_from,
        valid_to=valid_to,
        reference=reference.strip(),
        proposed_by=by,
    )


def _proposal_of(change: ParameterChange) -> dict:
    return {
        change.code: [
            {
                "value": str(change.value),
                "valid_from": change.valid_from.isoformat(),
                "valid_to": change.valid_to.isoformat() if change.valid_to else None,
                "reference": change.reference,
            }
        ]
    }


@transaction.atomic
def parameter_change_approve(*, change: ParameterChange, by) -> Parameter:
    """Publish a proposed row: needs a dry run recorded for this very proposal, and an approver who did not propose.
    The row in force before it is closed the day before the new one starts."""
    from cases.exceptions import SeparationOfDuties, TransitionNotAllowed

    change = ParameterChange.objects.select_for_update().get(pk=change.pk)
    if change.status == ParameterChange.Status.PUBLISHED:
        return change.parameter
    if change.status != ParameterChange.Status.PROPOSED:
        raise TransitionNotAllowed(_("This change was rejected."))
    if change.proposed_by_id == getattr(by, "pk", None):
        raise SeparationOfDuties(_("You proposed this change; another person must approve it."))
    if change.dry_run_id is None or change.dry_run.proposal != _proposal_of(change):
        raise TransitionNotAllowed(_("Run a dry run of this change before publishing it."))
    if Parameter.objects.filter(service=change.service, code=change.code, valid_from=change.valid_from).exists():
        raise TransitionNotAllowed(_("A row of this parameter already starts on that day; propose another date."))
    previous = (
        Parameter.objects.select_for_update()
        .filter(service=change.service, code=change.code, valid_from__lt=change.valid_from)
        .order_by("-valid_from")
        .first()
    )
    if previous is not None and (previous.valid_to is None or previous.valid_to >= change.valid_from):
        previous.valid_to = change.valid_from - timedelta(days=1)
        previous.save(update_fields=["valid_to"])
    parameter = Parameter.objects.create(
        service=change.service,
        code=change.code,
        value=change.value,
        valid_from=change.valid_from,
        valid_to=change.valid_to,
        reference=change.reference,
        approved_by=by,
        approved_at=clock.now(),
    )
    change.status, change.approved_by, change.approved_at, change.parameter = (
        ParameterChange.Status.PUBLISHED,
        by,
        clock.now(),
        parameter,
    )
    change.save(update_fields=["status", "approved_by", "approved_at", "parameter"])
    return parameter


def dry_run_record(
    *,
    service: str,
    by=None,
    months: int = 12,
    rules_version: str = "",
    proposal: dict | None = None,
    change: ParameterChange | None = None,
    sample_size: int = 10,
) -> DryRun:
    """Replay a proposed rule version and/or parameter rows over the cases of ``service`` decided in the last
    ``months`` months, each with the facts on its record now, and count what would change against the decision."""
    from eligibility.facts import facts_for

    if service not in rules.SERVICES:
        raise ValidationError({"service": _("No rules for this service.")})
    if change is not None:
        proposal = _proposal_of(change)
    version = rules.version_named(rules_version) if rules_version else None
    if version is not None and version.service != service:
        raise ValidationError({"version": _("This rule version belongs to another service.")})
    params = params_for(service, proposal=proposal)
    since = clock.now() - timedelta(days=31 * months)
    cases = (
        Case.objects.filter(service_type__code=service, decided_at__gte=since, status__in=(S.DECIDED, S.CLOSED))
        .select_related("service_type", "applicant")
        .order_by("pk")
    )
    run = DryRun(
        service=service,
        rules_version=rules_version or (version.version if version else "in force"),
        proposal=proposal or {},
        months=months,
        run_by=by,
    )
    sample = []
    latest = {}
    for e in Evaluation.objects.filter(case__in=cases).exclude(outcome=OUT.ERROR).order_by("at", "pk"):
        latest[e.case_id] = e
    for case in cases.iterator(chunk_size=500):
        run.cases += 1
        result = evaluate_facts(facts_for(case), version=version, params=params)
        params.used.clear()
        if result.outcome == OUT.ERROR:
            run.errors += 1
        # A replay that lacks a fact (no registry answer on the case's record) cannot say what the rules would
        # decide: it is counted apart, not as a changed outcome.
        run.unknown += result.outcome == OUT.UNKNOWN
        definite = result.outcome in (OUT.GRANT, OUT.FAIL)
        would_grant = result.outcome == OUT.GRANT
        was_granted = case.decision == Case.Decision.GRANTED
        before = latest.get(case.pk)
        outcome_changed = definite and would_grant != was_granted
        amount_changed = (
            would_grant and was_granted and before is not None and before.amount not in (None, result.amount)
        )
        run.outcome_changed += outcome_changed
        run.amount_changed += amount_changed
        if (outcome_changed or amount_changed or not definite) and len(sample) < sample_size:
            sample.append(
                {
                    "case": case.number,
                    "decision": case.decision,
                    "would": result.outcome,
                    "amount_before": str(before.amount) if before and before.amount is not None else None,
                    "amount_after": str(result.amount) if result.amount is not None else None,
                    "reason": result.reason,
                    "explanation": result.conditions,
                }
            )
    run.sample = sample
    run.save()
    if change is not None:
        ParameterChange.objects.filter(pk=change.pk, status=ParameterChange.Status.PROPOSED).update(dry_run=run)
    return run


# --- rule versions: published after a recorded dry run, by a second person ----------------------------------------


def _code_version(service: str, version: str):
    if service not in rules.SERVICES:
        raise ValidationError({"service": _("No rules for this service.")})
    found = next((v for v in rules.versions_of(service) if v.version == version), None)
    if found is None:
        raise ValidationError({"version": _("This service has no such rule version in code.")})
    return found


def _latest_dry_run(service: str, version: str) -> DryRun | None:
    return DryRun.objects.filter(service=service, rules_version=version, proposal={}).order_by("-run_at", "-pk").first()


@transaction.atomic
def rule_publication_propose(*, by, service: str, version: str, valid_from=None) -> RulePublication:
    """Propose publishing a code version from ``valid_from`` (default: the version's own start); refused without a
    recorded dry run of that version for that service."""
    code = _code_version(service, version)
    valid_from = valid_from or code.valid_from
    if valid_from < code.valid_from or (code.valid_to is not None and valid_from > code.valid_to):
        raise ValidationError({"valid_from": _("The date lies outside the dates this version's code covers.")})
    if RulePublication.objects.filter(version=version, status=RulePublication.Status.PUBLISHED).exists():
        raise ValidationError({"version": _("This version is already published.")})
    if RulePublication.objects.filter(version=version, status=RulePublication.Status.PROPOSED).exists():
        raise ValidationError({"version": _("This version is already awaiting approval.")})
    run = _latest_dry_run(service, version)
    if run is None:
        raise ValidationError({"dry_run": _("Run a dry run of this version before proposing to publish it.")})
    return RulePublication.objects.create(
        service=service, version=version, valid_from=valid_from, dry_run=run, proposed_by=by
    )


@transaction.atomic
def rule_publication_approve(*, publication: RulePublication, by) -> RulePublication:
    """A second person publishes the proposed version: from then on it decides cases filed from ``valid_from``."""
    from cases.exceptions import SeparationOfDuties, TransitionNotAllowed

    publication = RulePublication.objects.select_for_update().get(pk=publication.pk)
    if publication.status != RulePublication.Status.PROPOSED:
        raise TransitionNotAllowed(_("This publication is not awaiting approval."))
    if publication.proposed_by_id is not None and publication.proposed_by_id == getattr(by, "pk", None):
        raise SeparationOfDuties(_("You proposed this publication; another person must approve it."))
    run = publication.dry_run
    if run is None or run.service != publication.service or run.rules_version != publication.version:
        raise TransitionNotAllowed(_("Run a dry run of this version before publishing it."))
    _code_version(publication.service, publication.version)
    publication.status, publication.approved_by, publication.approved_at = (
        RulePublication.Status.PUBLISHED,
        by,
        clock.now(),
    )
    publication.save(update_fields=["status", "approved_by", "approved_at"])
    return publication


@transaction.atomic
def rule_publication_reject(*, publication: RulePublication, by) -> RulePublication:
    from cases.exceptions import TransitionNotAllowed

    publication = RulePublication.objects.select_for_update().get(pk=publication.pk)
    if publication.status != RulePublication.Status.PROPOSED:
        raise TransitionNotAllowed(_("This publication is not awaiting approval."))
    publication.status = RulePublication.Status.REJECTED
    publication.save(update_fields=["status"])
    return publication
