from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cases.exceptions import DomainError
from cases.models import ServiceType
from eligibility import rules, selectors, services
from eligibility.models import RulePublication


@login_required
@require_http_methods(["GET", "POST"])
def dry_run_page(request):
    """The head's and the ministry administrator's page: replay the rules (optionally a proposed parameter row) over
    the decided cases of the last N months, and see the recorded runs with their counts and a sample."""
    if not selectors.may_replay_rules(request.user):
        raise Http404
    if request.method == "POST" and request.POST.get("action") in ("propose", "approve", "reject"):
        return _publication_action(request)
    if request.method == "POST":
        service = request.POST.get("service", "")
        if service not in rules.SERVICES:
            raise Http404
        try:
            months = max(1, min(60, int(request.POST.get("months") or 12)))
        except ValueError:
            months = 12
        proposal = None
        code, value, start = (request.POST.get(k, "").strip() for k in ("code", "value", "valid_from"))
        if code and value and start:
            proposal = {code: [{"value": value, "valid_from": start, "reference": request.POST.get("reference", "")}]}
        try:
            services.dry_run_record(
                service=service,
                by=request.user,
                months=months,
                proposal=proposal,
                rules_version=request.POST.get("version", "").strip(),
            )
        except (ValidationError, rules.RuleError, ValueError, KeyError, ArithmeticError) as e:
            messages.error(request, _error_text(e))
        return redirect("rules-dry-run-page")
    names = {st.code: st.name for st in ServiceType.objects.filter(code__in=rules.SERVICES)}
    runs = list(selectors.dry_runs_recent())
    in_force, pending = selectors.rules_in_force(on=_today()), selectors.rule_publications_pending()
    for row in [*in_force, *pending]:
        row["name"] = names.get(row["service"], row["service"])
    for run in runs:
        run.service_name = names.get(run.service, run.service)
    return render(
        request,
        "eligibility/dry_run.html",
        {
            "services": [
                {
                    "code": s,
                    "name": names.get(s, s),
                    "parameters": sorted({p for v in rules.versions_of(s) for p in v.parameters}),
                }
                for s in rules.SERVICES
            ],
            "runs": runs,
            "in_force": in_force,
            "pending": pending,
        },
    )


def _publication_action(request):
    """Propose a code version for publication (needs its recorded dry run), or approve / reject one (another person)."""
    action = request.POST["action"]
    try:
        if action == "propose":
            services.rule_publication_propose(
                by=request.user, service=request.POST.get("service", ""), version=request.POST.get("version", "")
            )
            messages.success(request, _("Proposed for publication; another person must approve it."))
        else:
            publication = RulePublication.objects.filter(
                pk=request.POST.get("publication") or 0, status=RulePublication.Status.PROPOSED
            ).first()
            if publication is None:
                raise Http404
            if action == "approve":
                services.rule_publication_approve(publication=publication, by=request.user)
                messages.success(request, _("Published: the version decides cases filed from its start date."))
            else:
                services.rule_publication_reject(publication=publication, by=request.user)
                messages.success(request, _("The proposal was rejected."))
    except (ValidationError, DomainError) as e:
        messages.error(request, _error_text(e))
    return redirect("rules-dry-run-page")


def _error_text(e) -> str:
    if isinstance(e, ValidationError):
        return " ".join(e.messages)
    return str(getattr(e, "detail", None) or e)


def _today():
    from cases import clock

    return clock.today()
