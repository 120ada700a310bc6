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
from cases.models import Case, CaseEvent, InboxMessage, ServiceType
from cases.services import inbox_post_many
from cases.services import system_user as kernel_system_user
from cases.statemachine import Change, Step
from eligibility import rules
from eligibility.engine import Reference, Result, evaluate_facts, params_for
from eligibility.facts import facts_for_cases, filing_date
from eligibility.models import DryRun, Evaluation, Parameter, ParameterChange, RulePublication
from payments.services.ledger import accruals_record_for_acceptance

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


def _evaluation(case: Case, result: Result, *, trigger: str, acted: bool = False) -> Evaluation:
    return Evaluation(
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
    """The robot over one case: ``cases_evaluate`` of one. None when the case is not waiting (left as it is)."""
    return cases_evaluate(case_ids=[case_id], trigger=trigger).get(case_id)


def _facts_failed(case: Case, error: Exception) -> Result:
    """An error result for a case whose facts could not be built: it goes to people with the reason."""
    logger.error("facts of case %s could not be built", case.pk, exc_info=error)
    return Result(
        service=case.service_type.code,
        filing_date=filing_date(case),
        outcome=OUT.ERROR,
        reason=(_("The facts could not be read: %(error)s") % {"error": f"{type(error).__name__}: {error}"})[:300],
    )


def cases_evaluate(*, case_ids, trigger: str = "") -> dict[int, Evaluation]:
    """Evaluate the waiting cases among ``case_ids`` and act as the robot may, all in one transaction, set-based: a
    constant number of SQL statements whatever the number of cases. Idempotent: a case not waiting in the queue
    (taken by a person, decided, withdrawn…) is left exactly as it is, and a repeat on a decided case writes nothing.
    Returns the evaluation stored for each case evaluated (by pk).

    The rows are locked first, in pk order (``SELECT … FOR UPDATE``: a person's transaction on a case is waited
    for, never skipped), and read once with their service and applicant; the facts are read (two queries for all the
    cases) and the rules run under those locks, so nothing can take a case between its evaluation and the robot's
    decision. Everything is evaluated before anything is written: a case whose facts or rule raise gets an ``error``
    evaluation and goes to people with the reason, and the others go on. Then: the evaluations (one INSERT), the
    grants (``CASES.execute_chains``: claim, accept and grant, each case checked step by step as ``execute_chain``
    does; one UPDATE, one INSERT of the timeline rows), the robot's reviews of the others (one INSERT), the front
    offices' inbox messages (one INSERT), and last the fee lines (``accruals_record_for_acceptance``: one UPDATE per
    community × month), so the statement rows are held for the least time."""
    ids = sorted({int(pk) for pk in case_ids})
    if not ids:
        return {}
    with transaction.atomic():
        locked = list(
            Case.objects.select_for_update(of=("self",))
            .select_related("service_type", "applicant")
            .filter(pk__in=ids)
            .order_by("pk")
        )
        waiting = [
            c
            for c in locked
            if c.status == S.SUBMITTED and c.assignee_id is None and c.service_type.code in rules.SERVICES
        ]  # the others: a person took it, another robot run decided it, it was withdrawn
        if not waiting:
            return {}
        reference = Reference.read(c.service_type.code for c in waiting)
        facts = facts_for_cases(waiting)
        results: dict[int, Result] = {}
        for case in waiting:
            found = facts[case.pk]
            results[case.pk] = (
                _facts_failed(case, found)
                if isinstance(found, Exception)
                else evaluate_facts(found, reference=reference)
            )
        robot = robot_user()
        now = clock.now()
        automatic = {c.pk: c.service_type.decision_mode == ServiceType.DecisionMode.AUTOMATIC for c in waiting}
        to_grant = [
            c
            for c in waiting
            if automatic[c.pk]
            and results[c.pk].outcome == OUT.GRANT
            and results[c.pk].registry_backed
            and results[c.pk].amount is not None
        ]
        refused: dict[int, Exception] = {}
        granted = CASES.execute_chains(
            [(c, _grant_steps(robot=robot, result=results[c.pk], now=now)) for c in to_grant],
            by=robot,
            now=now,
            on_error=lambda case, error: refused.__setitem__(case.pk, error),
        )
        for pk, error in refused.items():  # the table refused the robot (it should not): a person decides
            logger.warning("the robot could not grant case %s: %s", pk, error)
            results[pk].reason = (_("The robot may not grant it: %(error)s") % {"error": error})[:300]
        evaluations = Evaluation.objects.bulk_create(
            [_evaluation(c, results[c.pk], trigger=trigger, acted=c.pk in granted) for c in waiting]
        )
        _review(
            [c for c in waiting if automatic[c.pk] and c.pk not in granted],
            results=results,
            robot=robot,
            at=now,
        )
        decided = [c for c in to_grant if c.pk in granted]
        inbox_post_many(
            [(c, InboxMessage.Kind.DECIDED, _decided_text(c, results[c.pk])) for c in decided],
        )
        # Last: a fee line holds its community's statement row until the commit, so it is held for the least time
        # (every intake a community's offices have accepted at once waits on that one row).
        accruals_record_for_acceptance(
            cases=[c for c in decided if not granted[c.pk][1].repeated]  # the accept step: not a repeat
        )
    return {e.case_id: e for e in evaluations}


def robot_waiting(*, older_than_seconds: int | None = None):
    """The automatic cases waiting in the queue (submitted, nobody holding them, a service with rules) that the robot
    has not evaluated since their latest submission or registry answer, that moment at least ``older_than_seconds``
    ago: what a lost nudge left behind. A queryset of pks, in pk order."""
    from django.conf import settings
    from django.db.models import Exists, OuterRef, Q

    from registries.models import RegistryQuery

    grace = settings.ROBOT_CATCH_UP_GRACE_SECONDS if older_than_seconds is None else older_than_seconds
    before = clock.now() - timedelta(seconds=grace)
    evaluated_since = Evaluation.objects.filter(case=OuterRef("pk"), at__gte=OuterRef("submitted_at"))
    answered = RegistryQuery.objects.filter(
        Q(case_id=OuterRef("pk")) | Q(application_id=OuterRef("application_id")), answered_at__isnull=False
    )
    answer_not_seen = answered.filter(
        ~Exists(Evaluation.objects.filter(case=OuterRef(OuterRef("pk")), at__gte=OuterRef("answered_at")))
    )
    return (
        Case.objects.filter(
            status=S.SUBMITTED,
            assignee__isnull=True,
            service_type__decision_mode=ServiceType.DecisionMode.AUTOMATIC,
            service_type__code__in=list(rules.SERVICES),
            submitted_at__lte=before,
        )
        .filter(~Exists(evaluated_since) | Exists(answer_not_seen.filter(answered_at__lte=before)))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def robot_catch_up(*, batch: int = 100, limit: int | None = None, older_than_seconds: int | None = None) -> int:
    """Decide what ``robot_waiting`` finds, ``batch`` cases per transaction (``manage.py robot_run``, and the beat
    every ``ROBOT_CATCH_UP_SECONDS``). Returns the number of cases evaluated."""
    done, after = 0, 0
    while limit is None or done < limit:
        size = batch if limit is None else min(batch, limit - done)
        ids = list(robot_waiting(older_than_seconds=older_than_seconds).filter(pk__gt=after)[:size])
        if not ids:
            break
        done += len(cases_evaluate(case_ids=ids, trigger="catch_up"))
        after = ids[-1]
    if done:
        logger.info("robot catch-up: %s waiting cases evaluated", done)
    return done


def _grant_steps(*, robot, result: Result, now) -> list[Step]:
    """Claim, accept and grant, as any reviewer would (same table, same guards), as the robot, at ``now``."""
    data = explanation_data(result)

    def claim(a) -> Change:
        a.obj.assignee = robot
        return Change(fields=("assignee",))

    def accept(a) -> Change:
        a.obj.accepted_at, a.obj.accepted_by = now, robot
        return Change(fields=("accepted_at", "accepted_by"))

    def decide(a) -> Change:
        a.obj.decision, a.obj.decided_by, a.obj.decided_at = Case.Decision.GRANTED, robot, now
        a.obj.decision_reason = _("Granted automatically: every condition passed (rules %(version)s).") % {
            "version": result.rules_version
        }
        return Change(
            fields=("decision", "decision_reason", "decided_by", "decided_at"),
            note=a.obj.decision_reason,
            data={"decision": Case.Decision.GRANTED, "grounds": [], **data},
        )

    return [
        Step(Action.CLAIM, change=claim),
        Step(Action.ACCEPT, change=accept),
        Step(Action.DECIDE, change=decide, params={"decision": Case.Decision.GRANTED}),
    ]


def _decided_text(case: Case, result: Result) -> str:
    amount = str(result.amount) if result.amount is not None else None
    return "\n".join(
        [str(case.get_decision_display()), case.decision_reason]
        + ([_("Amount: %(amount)s UAH") % {"amount": amount}] if amount else [])
    )


def _review(cases: list[Case], *, results: dict[int, Result], robot, at) -> None:
    """A ``robot_review`` timeline row with the explanation for each automatic case left to people — written again
    only if it changed since the robot's last review of that case (the last reviews: one query)."""
    if not cases:
        return
    last: dict[int, dict] = {}
    for case_id, data in (
        CaseEvent.objects.filter(case_id__in=[c.pk for c in cases], action=Action.ROBOT_REVIEW)
        .order_by("case_id", "at", "pk")
        .values_list("case_id", "data")
    ):
        last[case_id] = data
    rows = []
    for case in cases:
        data = explanation_data(results[case.pk])
        if case.pk not in last or _summary(last[case.pk]) != _summary(data):
            rows.append((case, Action.ROBOT_REVIEW, data["reason"], data))
    CASES.record_many(rows, by=robot, at=at)


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
