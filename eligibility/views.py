from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from eligibility import rules, selectors, services


@login_required
@require_http_methods(["GET", "POST"])
def dry_run_page(request):
    """The head's and the ministry administrator's page: replay the rules (optionally a proposed parameter row) over
    the decided cases of the last N months, and see the recorded runs with their counts and a sample."""
    if not selectors.may_replay_rules(request.user):
        raise Http404
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
        services.dry_run_record(service=service, by=request.user, months=months, proposal=proposal)
        return redirect("rules-dry-run-page")
    return render(
        request,
        "eligibility/dry_run.html",
        {
            "services": rules.SERVICES,
            "runs": selectors.dry_runs_recent(),
            "in_force": selectors.rules_in_force(on=_today()),
        },
    )


def _today():
    from cases import clock

    return clock.today()
