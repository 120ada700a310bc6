"""Renewals of fixed-term benefits without a new application (issue 15 item 4; docs/renewals.md).

    grant decided ──▶ GrantTerm (starts, ends)            renewals_run (daily, beat; ``manage.py renewals_run``)
                                                          │ terms ending within RENEWAL_WINDOW_DAYS, not renewed
                                                          ▼
    renewal_open: an application and a draft case (channel ``renewal``, opened by the system user ``renewals``),
                  linked to the grant, with fresh registry queries (trigger ``renewal``)
                                                          │ every query finished (or the term ends within
                                                          ▼ RENEWAL_DECIDE_DAYS: it goes as it is)
    renewal_submit: draft ──renewal_submit (system)──▶ submitted; the robot evaluates (eligibility.evaluate_case)
        ├─ every condition passes: the robot grants; the new term starts the day after the old one ends
        └─ anything else: the robot's ``robot_review`` row ──▶ renewal_pass_to_people: the case waits in the back
           office's queue with the explanation; the person is told what to bring (a message where they agreed to
           messages, else the clerk's list "Renewals needing the person")

Every change of a case's state goes through the lifecycle executor; the system acts with ``by=None``.
"""

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import translation as dj_translation
from django.utils.translation import gettext as _

from cases import clock, deadlines
from cases.lifecycle import CASES, Action
from cases.models import Application, Case, DocumentType
from cases.queue import enqueue_on_commit
from cases.services import case_number_next
from cases.services import system_user as kernel_system_user
from cases.statemachine import Change
from eligibility.engine import params_for
from eligibility.facts import filing_date
from eligibility.models import Evaluation, Parameter
from eligibility.rules.base import RuleError
from notifications.models import Channel as MessageChannel
from notifications.services import contact_reachable, message_queue
from registries.models import RegistryQuery
from renewals.models import GrantTerm, Renewal

logger = logging.getLogger(__name__)
S = Case.Status
SYSTEM_USERNAME = "renewals"
# The parameter that makes a service fixed-term: its rules grant for this many months (eligibility.catalog).
PERIOD_PARAMETER = "period_months"
# What the person brings when a condition could not be checked or failed on the registries' facts, by the fact the
# condition reads (eligibility.facts); the declaration of income and property is asked for whatever the reason.
BRING_FOR_FACT = {
    "incomes": ("income", "declaration"),
    "family_members": ("passport", "birth"),
    "subject_is_applicant": ("passport", "rnokpp"),
    "disability": ("disability",),
    "idp": ("idp",),
}
ALWAYS_BRING = ("declaration",)


def system_user():
    """The user a renewal is opened by (created by the renewals migration; it cannot sign in and holds no role)."""
    return kernel_system_user(SYSTEM_USERNAME, _("Renewals"))


def add_months(day: date, months: int) -> date:
    """``day`` moved on by whole calendar months (the 31st becomes the month's last day)."""
    y, m = divmod(day.year * 12 + day.month - 1 + months, 12)
    month = m + 1
    following = date(y + (month == 12), month % 12 + 1, 1)
    return date(y, month, min(day.day, (following - timedelta(days=1)).day))


# --- terms ------------------------------------------------------------------------------------------------------


def fixed_term_services() -> set[str]:
    """Codes of the services whose rules grant for a number of months (an approved ``period_months`` row)."""
    return set(Parameter.objects.filter(code=PERIOD_PARAMETER).values_list("service", flat=True))


def _months(case: Case) -> int | None:
    """The months the grant runs: from the evaluation it was granted on (the robot's, or the one the reviewer saw),
    else the service's ``period_months`` in force on the filing date; None for a service without a term."""
    months = (
        Evaluation.objects.filter(case=case, outcome=Evaluation.Outcome.GRANT, months__isnull=False)
        .order_by("-at", "-pk")
        .values_list("months", flat=True)
        .first()
    )
    if months:
        return months
    try:
        return int(params_for(case.service_type.code).value(PERIOD_PARAMETER, filing_date(case)))
    except RuleError:
        return None


def grant_term_record(*, case_id: int) -> GrantTerm | None:
    """Record the term of a granted case of a fixed-term service; idempotent (a term once recorded stays).

    A renewal's term starts the day after the term it renews ends; any other grant's on its filing date."""
    case = Case.objects.select_related("service_type").filter(pk=case_id).first()
    if case is None or case.decision != Case.Decision.GRANTED:
        return None
    if not Parameter.objects.filter(service=case.service_type.code, code=PERIOD_PARAMETER).exists():
        return None  # a service without a term (most grants): one cheap question, nothing more
    existing = GrantTerm.objects.filter(case=case).first()
    if existing is not None:
        return existing
    months = _months(case)
    if not months:
        return None
    renewal = Renewal.objects.filter(case=case).select_related("previous__grant_term").first()
    previous = getattr(renewal.previous, "grant_term", None) if renewal else None
    starts = previous.ends + timedelta(days=1) if previous is not None else filing_date(case)
    ends = add_months(starts, months) - timedelta(days=1)
    try:
        with transaction.atomic():
            term, _created = GrantTerm.objects.get_or_create(
                case=case,
                defaults={"service": case.service_type.code, "starts": starts, "ends": ends, "months": months},
            )
    except IntegrityError:  # recorded by a concurrent call
        term = GrantTerm.objects.get(case=case)
    return term


def grant_terms_record(*, case_ids) -> int:
    """``grant_term_record`` for the cases one transaction decided (the robot's batch): one question whether any
    service has a term at all (most grants: none, and nothing more is asked), then each granted case of a fixed-term
    service as ``grant_term_record``. Returns the number of terms recorded or found."""
    services = fixed_term_services()
    if not services:
        return 0
    ids = list(
        Case.objects.filter(
            pk__in=list(case_ids), decision=Case.Decision.GRANTED, service_type__code__in=services
        ).values_list("pk", flat=True)
    )
    return sum(grant_term_record(case_id=pk) is not None for pk in ids)


def grant_terms_backfill(*, limit: int = 5000) -> int:
    """Terms for granted fixed-term cases that have none yet (decided before this app, or a lost receiver)."""
    services = fixed_term_services()
    if not services:
        return 0
    ids = list(
        Case.objects.filter(
            decision=Case.Decision.GRANTED, service_type__code__in=services, grant_term__isnull=True
        ).values_list("pk", flat=True)[:limit]
    )
    return sum(grant_term_record(case_id=pk) is not None for pk in ids)


# --- opening ----------------------------------------------------------------------------------------------------


def due_terms(*, today: date | None = None, window_days: int | None = None):
    """Terms ending within the window (from today on) whose grant has no renewal yet, and whose person has no open
    case of the same service (they applied again themselves: that case is the renewal). One query."""
    today = today or clock.today()
    window = settings.RENEWAL_WINDOW_DAYS if window_days is None else window_days
    open_same = Case.objects.filter(
        applicant_id=OuterRef("case__applicant_id"),
        service_type_id=OuterRef("case__service_type_id"),
        status__in=Case.OPEN_STATUSES,
    )
    return (
        GrantTerm.objects.filter(
            ends__gte=today,
            ends__lte=today + timedelta(days=window),
            case__decision=Case.Decision.GRANTED,
            case__renewal__isnull=True,
        )
        .exclude(Exists(open_same))
        .select_related("case__applicant", "case__service_type", "case__community", "case__front_office")
        .order_by("ends", "case_id")
    )


def renewal_open(*, term: GrantTerm, by=None) -> Renewal | None:
    """Open the renewal of one grant: an application and a draft case of the same service for the same person, at
    the same front office, channel ``renewal``, linked to the grant, and the registries asked afresh. One
    transaction; None when the grant already has its renewal (a second run, or a concurrent one)."""
    system = by or system_user()
    try:
        with transaction.atomic():
            previous = (
                Case.objects.select_for_update(of=("self",))
                .select_related("community", "applicant")
                .get(pk=term.case_id)
            )
            if Renewal.objects.filter(previous=previous).exists():
                return None
            now = clock.now()
            number = case_number_next(community=previous.community, year=now.year)
            code = term.service
            application = Application.objects.create(
                number=Application.number_for(number),
                applicant=previous.applicant,
                front_office_id=previous.front_office_id,
                community_id=previous.community_id,
                channel=Case.Channel.RENEWAL,
                offered_services=[code],
                chosen_services=[code],
                created_by=system,
                created_at=now,
            )
            case = Case.objects.create(
                number=number,
                application=application,
                applicant=previous.applicant,
                service_type_id=previous.service_type_id,
                front_office_id=previous.front_office_id,
                community_id=previous.community_id,
                back_office_id=previous.community.back_office_id,
                channel=Case.Channel.RENEWAL,
                created_by=system,
                created_at=now,
                updated_at=now,
            )
            renewal = Renewal.objects.create(previous=previous, case=case, opened_at=now)
            CASES.record(
                case,
                Action.OPEN,
                by=None,
                note=_("Renewal of %(number)s (granted until %(ends)s), opened without an application.")
                % {"number": previous.number, "ends": term.ends.strftime("%d.%m.%Y")},
                data={"renewal_of": previous.number, "previous_term_ends": term.ends.isoformat()},
            )
            # Imported here: registries.services imports the case models at import time, as we do.
            from registries.services import registry_queries_for_new_case

            asked = registry_queries_for_new_case(case=case, by=None, trigger=RegistryQuery.Trigger.RENEWAL)
            if not asked:  # nobody to ask about (no identifier): the robot finds the facts unknown, people decide
                _submit_on_commit(case.pk)
    except IntegrityError:
        return None  # the unique renewal of this grant was opened by a concurrent run
    return renewal


@dataclass
class RunResult:
    terms_recorded: int = 0
    opened: int = 0
    submitted: int = 0
    passed_to_people: int = 0


def renewals_run(*, today: date | None = None, window_days: int | None = None, limit: int = 1000) -> RunResult:
    """The daily job: record missing terms, open the renewals now due, and move on renewals that are stuck (every
    query finished, or no time left to wait for a late registry). Idempotent: a second run opens nothing."""
    result = RunResult(terms_recorded=grant_terms_backfill())
    for term in due_terms(today=today, window_days=window_days)[:limit]:
        if renewal_open(term=term) is not None:
            result.opened += 1
    result.submitted = renewals_submit_waiting(today=today)
    result.passed_to_people = renewals_pass_unresolved()
    return result


# --- submitting -------------------------------------------------------------------------------------------------


def _submit_on_commit(case_id: int) -> None:
    from renewals.tasks import submit_renewal

    enqueue_on_commit(submit_renewal, case_id=case_id)


def renewal_submit(*, case_id: int, force: bool = False) -> bool:
    """Send a renewal's draft to be checked once none of its registry queries is pending (``force``: as it is).
    Idempotent: a case no longer a draft is left alone. Returns whether it was submitted now."""
    renewal = Renewal.objects.select_related("case__service_type").filter(case_id=case_id).first()
    if renewal is None or renewal.case.status != S.DRAFT:
        return False
    pending = RegistryQuery.objects.filter(case_id=case_id, status__in=RegistryQuery.PENDING).exists()
    if pending and not force:
        return False

    def change(a) -> Change:
        a.obj.submitted_at = a.obj.first_submitted_at = clock.now()
        a.obj.due_date = deadlines.decision_due(a.obj.service_type, clock.today())
        return Change(fields=("submitted_at", "first_submitted_at", "due_date"))

    with transaction.atomic():
        case = CASES.lock(renewal.case)
        if case.status != S.DRAFT:
            return False
        outcome = CASES.execute(case, Action.RENEWAL_SUBMIT, by=None, change=change, locked=True)
        if not outcome.repeated:
            from eligibility.tasks import evaluate_case

            enqueue_on_commit(evaluate_case, case_id=case_id, trigger="renewal")
    return not outcome.repeated


def renewals_submit_waiting(*, today: date | None = None) -> int:
    """Drafts of renewals whose queries have all finished (a lost nudge), or whose old term ends within
    RENEWAL_DECIDE_DAYS (a late registry must not let the benefit stop unannounced): submitted now."""
    today = today or clock.today()
    pending = RegistryQuery.objects.filter(case_id=OuterRef("case_id"), status__in=RegistryQuery.PENDING)
    drafts = Renewal.objects.filter(case__status=S.DRAFT).annotate(waiting=Exists(pending))
    late = today + timedelta(days=settings.RENEWAL_DECIDE_DAYS)
    count = 0
    for renewal in drafts.select_related("previous__grant_term"):
        term = getattr(renewal.previous, "grant_term", None)
        force = term is None or term.ends <= late
        if (not renewal.waiting or force) and renewal_submit(case_id=renewal.case_id, force=force):
            count += 1
    return count


# --- when the robot cannot renew ------------------------------------------------------------------------------


def what_to_bring(evaluation: Evaluation | None) -> list[str]:
    """Document type codes the person brings: for every condition that failed or could not be checked, the papers
    that stand for its fact, then the declaration. Codes the catalogue does not have are left out."""
    codes: list[str] = []
    for condition in (evaluation.conditions if evaluation else []) or []:
        if condition.get("result") == "pass":
            continue
        for code in BRING_FOR_FACT.get(condition.get("fact") or "", ()):
            if code not in codes:
                codes.append(code)
    for code in ALWAYS_BRING:
        if code not in codes:
            codes.append(code)
    known = set(DocumentType.objects.filter(code__in=codes).values_list("code", flat=True))
    return [c for c in codes if c in known]


def _why(evaluation: Evaluation | None) -> str:
    """The conditions that did not pass, in the product's language (the robot's explanation in one line)."""
    language = dj_translation.get_language() or settings.LANGUAGE_CODE
    sentences = [
        (c.get("text") or {}).get(language) or (c.get("text") or {}).get(settings.LANGUAGE_CODE, "")
        for c in ((evaluation.conditions if evaluation else []) or [])
        if c.get("result") != "pass"
    ]
    why = " ".join(s for s in sentences if s) or (evaluation.reason if evaluation else "")
    return (why or _("The registries could not confirm it."))[:300]


def _names(codes: list[str]) -> str:
    types = {t.code: t for t in DocumentType.objects.filter(code__in=codes)}
    return ", ".join(str(types[c].name).lower() if c in types else c for c in codes)


def renewal_pass_to_people(*, case_id: int) -> Renewal | None:
    """The robot could not renew (a condition failed or a fact is missing): the case stays in the back office's
    queue with the robot's explanation, and the person is told now — before the old term ends — what to bring.

    With consent to messages: a ``renewal_needs_person`` message in their language. Without: the renewal is put on
    the clerk's list "Renewals needing the person" of the case's community. Once per renewal."""
    with transaction.atomic():
        renewal = (
            Renewal.objects.select_for_update(of=("self",))
            .select_related("case__service_type", "case__front_office", "previous__grant_term")
            .filter(case_id=case_id, needs_person_at__isnull=True)
            .first()
        )
        if renewal is None:
            return None
        case = renewal.case
        if case.decision == Case.Decision.GRANTED:
            return None
        evaluation = Evaluation.objects.filter(case=case).order_by("-at", "-pk").first()
        renewal.what_to_bring = what_to_bring(evaluation)
        renewal.reason = _why(evaluation)
        renewal.needs_person_at = clock.now()
        term = getattr(renewal.previous, "grant_term", None)
        contact = contact_reachable(case=case)
        if contact is not None:
            with dj_translation.override(contact.language):
                context = {
                    "number": case.number,
                    "service": case.service_type.name,
                    "ends": term.ends.strftime("%d.%m.%Y") if term else "—",
                    "office": case.front_office.name,
                    "what": _names(renewal.what_to_bring),
                }
            renewal.message = message_queue(
                case=case,
                recipient=contact.email if contact.channel == MessageChannel.EMAIL else contact.phone,
                channel=contact.channel,
                template="renewal_needs_person",
                language=contact.language,
                context=context,
            )
            renewal.told = Renewal.Told.MESSAGE
        else:
            renewal.told = Renewal.Told.FRONT_OFFICE
        renewal.save(update_fields=["what_to_bring", "reason", "needs_person_at", "message", "told"])
        CASES.record(
            case,
            Action.RENEWAL_TOLD,
            by=None,
            note=_("To bring: %(what)s.") % {"what": _names(renewal.what_to_bring)},
            data={"what_to_bring": renewal.what_to_bring, "told": renewal.told, "reason": renewal.reason},
        )
    return renewal


def renewals_pass_unresolved(*, older_than_hours: int = 12) -> int:
    """Renewals submitted a while ago that neither the robot granted nor anyone passed to people (the robot's task
    was lost, or it wrote nothing new): passed to people now, so the person is still told in time."""
    since = clock.now() - timedelta(hours=older_than_hours)
    rows = Renewal.objects.filter(
        needs_person_at__isnull=True, case__submitted_at__lt=since, case__status__in=Case.OPEN_STATUSES
    ).values_list("case_id", flat=True)
    return sum(renewal_pass_to_people(case_id=pk) is not None for pk in list(rows))
