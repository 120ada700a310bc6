"""The ministry's pages (and the community supervisor's view of their own statements). Views parse input, call a
service or a selector and render; the rules are in ``payments.services``."""

from datetime import date
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases import clock
from cases.access import access_for, ministry_required
from cases.exceptions import DomainError
from cases.files import PDF, file_response
from payments import charts, exports, selectors
from payments.exceptions import BudgetExceeded, ReconcileRejected
from payments.forms import (
    ApproveForm,
    BudgetForm,
    DashboardForm,
    DisputeForm,
    FilterForm,
    PayForm,
    RateEndForm,
    RateForm,
    ReconcileForm,
    ReverseForm,
)
from payments.models import FeeRate, Statement
from payments.pdf import statement_pdf as render_statement_pdf
from payments.services import ledger
from payments.services.budget import budget_set
from payments.services.periods import parse_period
from payments.services.rates import fee_rate_create, fee_rate_end
from payments.services.reconcile import statements_reconcile
from payments.services.statements import (
    available_actions,
    no_actions_reason,
    statement_approve,
    statement_confirm,
    statement_dispute,
    statement_issue,
    statement_issue_month,
    statement_pay,
)

PAGE_SIZE = 100


def payments_required(view):
    """Ministry staff and community supervisors reach these pages; others get 404."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not selectors.can_see_payments(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


# --- statements -----------------------------------------------------------------------------------------------------


@require_GET
@payments_required
def home(request: HttpRequest) -> HttpResponse:
    """Statements by month with totals and status filters (a supervisor: their community's, every month)."""
    access = access_for(request.user)
    form = FilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    months = selectors.periods(user=request.user)
    period = filters.get("period")
    if period is None and access.is_ministry and "period" not in request.GET and months:
        last = selectors.default_month()
        period = last if any(m["period"] == last for m in months) else months[0]["period"]
    if period is not None:
        period = period.replace(day=1)
    status = filters.get("status") or None
    statements = selectors.statement_list(user=request.user, period=period, status=status)
    page = Paginator(statements, PAGE_SIZE).get_page(request.GET.get("page"))
    summary = selectors.month_summary(user=request.user, period=period, status=status) if period else None
    context = {
        "form": form,
        "months": months[:24],
        "period": period,
        "status_filter": status,
        "page": page,
        "summary": summary,
        "is_ministry": access.is_ministry,
        "budget": selectors.budget_figures(year=period.year) if period and access.is_ministry else None,
    }
    if request.htmx:
        return render(request, "payments/statement_list.html#results", context)
    return render(request, "payments/statement_list.html", context)


def _detail_context(request: HttpRequest, statement: Statement, **forms) -> dict:
    access = access_for(request.user)
    lines = Paginator(selectors.statement_lines(statement=statement), PAGE_SIZE).get_page(request.GET.get("page"))
    actions = available_actions(statement, request.user)
    budget = selectors.budget_figures(year=statement.period.year) if access.is_ministry else None
    would_exceed = (
        "approve" in actions
        and budget is not None
        and selectors.approval_would_exceed(figures=budget, statement=statement)
    )
    return {
        "statement": statement,
        "lines": lines,
        "actions": actions,
        "is_ministry": access.is_ministry,
        "budget": budget,
        "would_exceed": would_exceed,
        "no_actions_reason": no_actions_reason(statement, request.user) if not actions else "",
        "events": selectors.statement_events(statement=statement),
        "contested": statement.contested.select_related("counted_on"),
        "dispute_form": forms.get("dispute_form") or DisputeForm(),
        "approve_form": forms.get("approve_form") or ApproveForm(initial={"acknowledge_over_budget": False}),
        "pay_form": forms.get("pay_form") or PayForm(initial={"amount": statement.amount, "paid_on": clock.today()}),
        "reverse_form": ReverseForm(),
    }


@require_GET
@payments_required
def statement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One statement: totals, its history, the actions the user may take, and its lines (no personal data)."""
    statement = selectors.statement_get(user=request.user, pk=pk)
    return render(request, "payments/statement_detail.html", _detail_context(request, statement))


FORMS = {
    "dispute": ("dispute_form", DisputeForm),
    "approve": ("approve_form", ApproveForm),
    "pay": ("pay_form", PayForm),
}
SERVICES = {
    "issue": statement_issue,
    "confirm": statement_confirm,
    "dispute": statement_dispute,
    "approve": statement_approve,
    "pay": statement_pay,
}
DONE = {
    "issue": gettext_lazy("The statement is issued: its totals are frozen."),
    "confirm": gettext_lazy("You confirmed the statement."),
    "dispute": gettext_lazy("Your dispute is recorded; the ministry will look at it."),
    "approve": gettext_lazy("The statement is approved."),
    "pay": gettext_lazy("The payment is recorded."),
}


@require_POST
@payments_required
def statement_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Issue, confirm, dispute, approve or pay: the service decides whether this user may."""
    if action not in SERVICES:
        raise Http404
    statement = selectors.statement_get(user=request.user, pk=pk)
    data = {}
    if action in FORMS:
        name, form_class = FORMS[action]
        form = form_class(request.POST)
        if not form.is_valid():
            messages.error(request, _("Check the form below."))
            context = _detail_context(request, statement, **{name: form})
            return render(request, "payments/statement_detail.html", context, status=400)
        data = form.cleaned_data
    try:
        SERVICES[action](statement=statement, by=request.user, **data)
    except BudgetExceeded as warning:
        messages.warning(request, warning.message)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, DONE[action])
    return redirect("payments:statement", pk=statement.pk)


@require_POST
@ministry_required
def issue_month(request: HttpRequest) -> HttpResponse:
    """Issue every open statement of an ended month (as the month-end job would)."""
    try:
        period = parse_period(request.POST.get("period", ""))
        issued = statement_issue_month(period=period, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("payments:home")
    messages.success(request, _("%(n)s statements of %(month)s issued.") % {"n": issued, "month": f"{period:%m.%Y}"})
    return redirect(f"{reverse('payments:home')}?period={period:%Y-%m}")


@require_POST
@ministry_required
def accrual_reverse(request: HttpRequest, pk: int) -> HttpResponse:
    accrual = selectors.accrual_get(user=request.user, pk=pk)
    form = ReverseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for the reversal."))
    else:
        try:
            reversal = ledger.accrual_reverse(accrual=accrual, by=request.user, reason=form.cleaned_data["reason"])
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Reversed: the correction is filed under %(month)s.") % {"month": f"{reversal.period:%m.%Y}"},
            )
    return redirect("payments:statement", pk=accrual.statement_id)


# --- files ----------------------------------------------------------------------------------------------------------


@require_GET
@payments_required
def statements_export(request: HttpRequest) -> HttpResponse:
    """A month's statements as CSV or XLSX: the file the treasury round trip starts from."""
    try:
        period = parse_period(request.GET.get("period", ""))
    except DomainError:
        raise Http404 from None
    fmt = request.GET.get("format", "csv")
    if fmt not in exports.CONTENT_TYPES:
        raise Http404
    rows = exports.statement_rows(selectors.statement_list(user=request.user, period=period))
    content = exports.render(rows, fmt, title=f"{period:%Y-%m}")
    return file_response(
        content=content,
        content_type=exports.CONTENT_TYPES[fmt],
        filename=exports.filename("statements", period, fmt),
        inline=False,
    )


@require_GET
@payments_required
def statement_lines_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    statement = selectors.statement_get(user=request.user, pk=pk)
    if fmt not in exports.CONTENT_TYPES:
        raise Http404
    rows = exports.line_rows(selectors.statement_lines(statement=statement))
    content = exports.render(rows, fmt, title=f"{statement.period:%Y-%m}")
    return file_response(
        content=content,
        content_type=exports.CONTENT_TYPES[fmt],
        filename=f"lines-{statement.community.katottg}-{statement.period:%Y-%m}.{fmt}",
        inline=False,
    )


@require_GET
@payments_required
def statement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The statement for signing, one community and month."""
    statement = selectors.statement_get(user=request.user, pk=pk)
    content = render_statement_pdf(statement, selectors.statement_lines(statement=statement))
    name = f"statement-{statement.community.katottg}-{statement.period:%Y-%m}.pdf"
    return file_response(content=content, content_type=PDF, filename=name)


@require_http_methods(["GET", "POST"])
@ministry_required
def reconcile(request: HttpRequest) -> HttpResponse:
    """Upload the exported statements file with treasury references filled in; all rows apply, or none."""
    form = ReconcileForm(request.POST or None, request.FILES or None)
    context = {"form": form, "errors": None, "result": None}
    if request.method == "POST" and form.is_valid():
        try:
            context["result"] = statements_reconcile(by=request.user, upload=form.cleaned_data["file"])
        except ReconcileRejected as rejected:
            context["errors"] = rejected.extra.get("errors", [])
            messages.error(request, rejected.message)
            return render(request, "payments/reconcile.html", context, status=400)
        except DomainError as error:
            messages.error(request, error.message)
            return render(request, "payments/reconcile.html", context, status=409)
        result = context["result"]
        messages.success(
            request,
            _("Payments recorded: %(applied)s. Already recorded: %(already)s. Rows without a reference: %(skipped)s.")
            % {"applied": len(result.applied), "already": result.already_paid, "skipped": result.skipped},
        )
        context["paid"] = Statement.objects.filter(pk__in=result.applied).select_related("community")
    return render(request, "payments/reconcile.html", context)


# --- rates and budget -----------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@ministry_required
def rates(request: HttpRequest) -> HttpResponse:
    form = RateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            fee_rate_create(by=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The rate is added."))
            return redirect("payments:rates")
    context = {
        "form": form,
        "rates": selectors.fee_rate_list(),
        "end_form": RateEndForm(),
        "unbilled": selectors.unbilled_count(),
        "today": clock.today(),
    }
    return render(request, "payments/rates.html", context, status=400 if form.errors else 200)


@require_POST
@ministry_required
def rate_end(request: HttpRequest, pk: int) -> HttpResponse:
    rate = get_object_or_404(FeeRate, pk=pk)
    form = RateEndForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the last day the rate is in force."))
        return redirect("payments:rates")
    try:
        rate = fee_rate_end(rate=rate, valid_to=form.cleaned_data["valid_to"], by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The rate now ends on %(day)s.") % {"day": f"{rate.valid_to:%d.%m.%Y}"})
    return redirect("payments:rates")


@require_http_methods(["GET", "POST"])
@ministry_required
def budget(request: HttpRequest) -> HttpResponse:
    form = BudgetForm(request.POST or None, initial={"year": clock.today().year})
    if request.method == "POST" and form.is_valid():
        try:
            budget_set(by=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The budget is set."))
            return redirect("payments:budget")
    return render(
        request,
        "payments/budget.html",
        {"form": form, "budgets": selectors.budget_list()},
        status=400 if form.errors else 200,
    )


# --- dashboard ------------------------------------------------------------------------------------------------------


def dashboard_charts(data: dict) -> list[charts.Chart]:
    year = data["year"]
    month_labels = [f"{m:%m}" for m, _amount, _count in data["fees"]]
    fees = charts.columns(
        "fees-per-month",
        _("Fees per month, %(year)s, UAH") % {"year": year},
        _("Fees accrued to all communities in each month of the year."),
        month_labels,
        [amount for _m, amount, _count in data["fees"]],
        head=(_("Month"), _("UAH")),
    )
    offices = charts.bars(
        "fees-per-back-office",
        _("Fees per back office, %(year)s, UAH") % {"year": year},
        _("Fees accrued to the communities each back office serves."),
        [(row["name"], row["amount"]) for row in data["back_offices"][:15]],
        head=(_("Back office"), _("UAH")),
    )
    burn_rows = data["burn"]
    series = [(_("Paid, cumulative"), "paid", [row["paid"] for row in burn_rows])]
    if data["budget"]["budget"] is not None:
        series[:0] = [
            (_("Budget left after accruals"), "left", [row["left"] for row in burn_rows]),
            (_("Even spending"), "plan", [row["plan"] for row in burn_rows]),
        ]
    burn = charts.lines(
        "budget-burn-down",
        _("Budget burn-down, %(year)s, UAH") % {"year": year},
        _("What is left of the year's budget after each month's accruals, and what has been paid."),
        month_labels,
        series,
    )
    period = data["period"]
    communities = data["communities"]
    intakes = charts.bars(
        "intakes-per-community",
        _("Intakes per community, %(month)s") % {"month": f"{period:%m.%Y}"},
        _("Billable intakes of the month, the communities with the most first."),
        [(row["name"], row["count"]) for row in communities],
        fmt=lambda v: str(int(v or 0)),
        head=(_("Community"), _("Intakes")),
    )
    decisions = charts.bars(
        "median-decision-days",
        _("Median decision time per community, %(month)s, days") % {"month": f"{period:%m.%Y}"},
        _("Median days from first submission to decision, for cases decided in the month."),
        [(row["name"], row["median_days"]) for row in communities],
        fmt=charts.one_decimal,
        head=(_("Community"), _("Days")),
    )
    return [fees, offices, burn, intakes, decisions]


@require_GET
@ministry_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Fees per month and back office, the budget burn-down, intakes and decision times per community (SVG)."""
    form = DashboardForm(request.GET or None)
    chosen = form.cleaned_data if form.is_valid() else {}
    period = (chosen.get("period") or selectors.default_month()).replace(day=1)
    year = chosen.get("year") or period.year
    data = selectors.dashboard(year=year, period=period)
    # The month as a list of Ukrainian month names (the browser's month control speaks the browser's language).
    latest = max(period, selectors.default_month().replace(day=1))
    months = {date(latest.year + (latest.month - 1 - n) // 12, (latest.month - 1 - n) % 12 + 1, 1) for n in range(36)}
    months.add(period)
    context = {
        "form": form,
        "data": data,
        "charts": dashboard_charts(data),
        "year": year,
        "period": period,
        "months": sorted(months, reverse=True),
    }
    return render(request, "payments/dashboard.html", context)
