"""The reviewer's and the head's pages: the queue, my cases, refusals to sign, the dashboard, the review page.

Views read through ``backoffice.selectors`` and write through ``backoffice.services``; a refused action comes back
as the service's message on the same page (409 for state, holder or role; 400 for input), never as a 500.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from backoffice import selectors, services
from backoffice.filters import QueueFilter
from backoffice.forms import BulkForm, DecideForm, NoteForm, ReasonForm, ReassignForm, RequestInfoForm
from cases.access import access_for, access_required
from cases.exceptions import DomainError

PAGE_SIZE = 50


# Only back-office specialists and heads reach these pages; others get 404. Some only the head of a back office
# sees (the dashboard, refusals to sign).
back_office_required = access_required(lambda access: access.is_back)
head_required = access_required(lambda access: access.is_back and bool(access.head_back_office_ids))


def _board(request: HttpRequest, today: selectors.Today) -> dict:
    """What every list page shows above its table: the counts and whether bulk actions are offered."""
    head_ids = access_for(request.user).head_back_office_ids
    return {
        "counts": selectors.queue_counts(user=request.user, today=today),
        "is_head": bool(head_ids),
        "people": list(selectors.colleagues(back_office_ids=head_ids)) if head_ids else [],
        "bulk_actions": services.BulkAction.choices,
        "today": today,
    }


def _page(request: HttpRequest, qs, today: selectors.Today):
    """One page of a case list. The page's ids come first from the index alone (a deep page of a queue of thousands
    stays cheap); the rows with what they show are then read by id."""
    page = Paginator(qs.values_list("pk", flat=True), PAGE_SIZE).get_page(request.GET.get("page"))
    ids = list(page.object_list)
    rows = {case.pk: case for case in qs.order_by().filter(pk__in=ids)}
    page.object_list = [rows[pk] for pk in ids]
    for case in page.object_list:
        case.mark = today.mark(case)
    return page


@require_GET
@back_office_required
def home(request: HttpRequest) -> HttpResponse:
    """The shared queue of my back office: filters, counts, Take next, and the head's bulk selection."""
    today = selectors.Today.now()
    queue = QueueFilter(
        request.GET or None, queryset=selectors.queue_base(user=request.user), request=request, today=today
    )
    context = {**_board(request, today), "filter": queue, "page": _page(request, queue.qs, today), "tab": "queue"}
    if request.htmx:
        return render(request, "backoffice/queue.html#results", context)
    return render(request, "backoffice/queue.html", context)


@require_GET
@back_office_required
def mine(request: HttpRequest) -> HttpResponse:
    """The cases I hold."""
    today = selectors.Today.now()
    page = _page(request, selectors.mine_list(user=request.user), today)
    return render(request, "backoffice/mine.html", {**_board(request, today), "page": page, "tab": "mine"})


@require_GET
@head_required
def refusals(request: HttpRequest) -> HttpResponse:
    """Refusals waiting for the head's signature."""
    today = selectors.Today.now()
    page = _page(request, selectors.refusals_pending_list(user=request.user), today)
    return render(request, "backoffice/refusals.html", {**_board(request, today), "page": page, "tab": "refusals"})


@require_GET
@head_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Load and overdue cases per specialist and per community; the median time to a decision."""
    today = selectors.Today.now()
    board = selectors.dashboard(user=request.user, today=today)
    return render(request, "backoffice/dashboard.html", {"board": board, "tab": "dashboard", "today": today})


@require_POST
@back_office_required
def claim_next(request: HttpRequest) -> HttpResponse:
    """Take the next case of the queue and open it."""
    try:
        case = services.case_claim_next(by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("backoffice:home")
    if case is None:
        messages.info(request, _("Nothing is waiting in the queue."))
        return redirect("backoffice:home")
    messages.success(request, _("Case %(number)s is yours now.") % {"number": case.number})
    return redirect("backoffice:case", pk=case.pk)


@require_POST
@back_office_required
def bulk(request: HttpRequest) -> HttpResponse:
    """The head assigns or releases the selected cases, with one reason for all."""
    head_ids = access_for(request.user).head_back_office_ids
    form = BulkForm(
        request.POST,
        cases=selectors.back_cases(user=request.user),
        people=selectors.colleagues(back_office_ids=head_ids),
    )
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("backoffice:home")
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
        return redirect(back)
    data = form.cleaned_data
    try:
        outcome = services.cases_bulk(
            cases=data["cases"], by=request.user, action=data["action"], reason=data["reason"], to=data["to"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    if outcome.done:
        messages.success(
            request,
            ngettext("%(count)d case done: %(numbers)s.", "%(count)d cases done: %(numbers)s.", len(outcome.done))
            % {"count": len(outcome.done), "numbers": ", ".join(c.number for c in outcome.done)},
        )
    for case, message in outcome.failed:
        messages.error(request, f"{case.number}: {message}")
    return redirect(back)


# --- The review page and its actions ------------------------------------------------------------------------------


def _reassign_form(review: selectors.Review, data=None) -> ReassignForm:
    people = selectors.colleagues(back_office_ids=[review.case.back_office_id])
    return ReassignForm(data, people=people, listed=review.colleagues)


def _forms(review: selectors.Review, bound: dict | None = None) -> dict:
    """The action forms of the review page (keyed by the action with underscores, for templates), unbound except
    the one just submitted with an error."""
    case = review.case
    items = [line.item for line in review.checklist]
    made = {
        "claim": forms.Form(),
        "release": ReasonForm(),
        "reassign": _reassign_form(review) if review.is_head else None,
        "accept": forms.Form(),
        "request_info": RequestInfoForm(case=case, checklist_items=items),
        "decide": DecideForm(case=case, grounds=review.grounds),
        "approve_refusal": NoteForm(),
        "return_refusal": NoteForm(),
        "reject_intake": ReasonForm(),
    }
    made.update(bound or {})
    return made


def _review_page(request: HttpRequest, pk: int, *, bound: dict | None = None, status: int = 200) -> HttpResponse:
    review = selectors.case_review(user=request.user, pk=pk)
    try:
        page_id = int(request.GET.get("page", ""))
    except ValueError:
        page_id = None
    index = review.page_index(page_id)
    context = {
        "review": review,
        "case": review.case,
        "forms": _forms(review, bound),
        "failed": next(iter(bound), None) if bound else None,
        "index": index,
        "page": review.pages[index] if review.pages else None,
        "prev_page": review.pages[index - 1] if index > 0 else None,
        "next_page": review.pages[index + 1] if index + 1 < len(review.pages) else None,
        "tab": "",
    }
    return render(request, "backoffice/case_review.html", context, status=status)


@require_GET
@back_office_required
def case_review(request: HttpRequest, pk: int) -> HttpResponse:
    """A case beside its pages: applicant and earlier cases, the checklist matched to pages, the viewer, the
    timeline and the actions the state and my role allow."""
    return _review_page(request, pk)


def _act_claim(case, by, data):
    return services.case_claim(case=case, by=by)


def _act_release(case, by, data):
    return services.case_release(case=case, by=by, reason=data["reason"])


def _act_reassign(case, by, data):
    return services.case_reassign(case=case, by=by, to=data["to"], reason=data["reason"])


def _act_accept(case, by, data):
    return services.case_accept(case=case, by=by)


def _act_request_info(case, by, data):
    return services.case_request_info(case=case, by=by, message=data["message"], items=list(data["items"]))


def _act_decide(case, by, data):
    return services.case_decide(
        case=case, by=by, decision=data["decision"], grounds=list(data["grounds"]), reason=data["reason"]
    )


def _act_approve_refusal(case, by, data):
    return services.case_approve_refusal(case=case, by=by, note=data["note"])


def _act_return_refusal(case, by, data):
    return services.case_return_refusal(case=case, by=by, note=data["note"])


def _act_reject_intake(case, by, data):
    return services.case_reject_intake(case=case, by=by, reason=data["reason"])


# action slug: (the form that reads its input, the service call, the message on success)
ACTIONS = {
    "claim": (lambda review, post: forms.Form(post), _act_claim, gettext_lazy("You took the case.")),
    "release": (lambda review, post: ReasonForm(post), _act_release, gettext_lazy("The case is back in the queue.")),
    "reassign": (
        _reassign_form,
        _act_reassign,
        gettext_lazy("The case was reassigned."),
    ),
    "accept": (
        lambda review, post: forms.Form(post),
        _act_accept,
        gettext_lazy("The package is accepted as complete."),
    ),
    "request-info": (
        lambda review, post: RequestInfoForm(
            post, case=review.case, checklist_items=[li.item for li in review.checklist]
        ),
        _act_request_info,
        gettext_lazy("The front office was asked for more information."),
    ),
    "decide": (
        lambda review, post: DecideForm(post, case=review.case, grounds=review.grounds),
        _act_decide,
        gettext_lazy("The decision is recorded."),
    ),
    "approve-refusal": (
        lambda review, post: NoteForm(post),
        _act_approve_refusal,
        gettext_lazy("The refusal is approved."),
    ),
    "return-refusal": (
        lambda review, post: NoteForm(post),
        _act_return_refusal,
        gettext_lazy("The refusal went back to the specialist."),
    ),
    "reject-intake": (
        lambda review, post: ReasonForm(post),
        _act_reject_intake,
        gettext_lazy("The intake is rejected."),
    ),
}


def _add_errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


@require_POST
@back_office_required
def case_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One action of the review page. Success: back to the case with a message. Refused: the page again with the
    service's message at the form (409 state/holder/role, 400 input)."""
    if action not in ACTIONS:
        raise Http404
    make_form, call, done = ACTIONS[action]
    review = selectors.case_review(user=request.user, pk=pk)
    form = make_form(review, request.POST)
    if not form.is_valid():
        return _review_page(request, pk, bound={action.replace("-", "_"): form}, status=400)
    try:
        call(review.case, request.user, form.cleaned_data)
    except DomainError as error:
        form.add_error(None, str(error.message))
        return _review_page(request, pk, bound={action.replace("-", "_"): form}, status=error.status)
    except ValidationError as error:
        _add_errors(form, error)
        return _review_page(request, pk, bound={action.replace("-", "_"): form}, status=400)
    messages.success(request, done)
    url = reverse("backoffice:case", args=[pk])
    page = request.POST.get("page", "")
    return redirect(f"{url}?page={page}#viewer" if page.isdigit() else url)
