"""Pages of proactive support: the front office's work list (accept on the person's behalf, or decline), the offer
page the person's message links to (accept online), the ministry's channels dashboard, and the stand-in's nudge."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.access import access_required, ministry_required
from cases.exceptions import DomainError, LinkInvalid
from proactive import dashboard, selectors, services
from proactive.machine import OFFERS, OfferAction
from proactive.models import ProactiveOffer

front_required = access_required(lambda access: bool(access.community_ids))  # front-office staff of some community


@require_GET
@front_required
def offer_list(request: HttpRequest) -> HttpResponse:
    offers = list(selectors.work_list(user=request.user)[:200])
    rows = [{"offer": o, "actions": OFFERS.available_actions(o, request.user)} for o in offers]
    recent = list(selectors.offer_list(user=request.user).exclude(status=ProactiveOffer.Status.OFFERED)[:20])
    context = {
        "rows": rows,
        "recent": recent,
        "consent_by": ProactiveOffer.ConsentBy.choices,
        "channels": [c for c in ProactiveOffer.ConsentChannel.choices if c[0] != ProactiveOffer.ConsentChannel.ONLINE],
    }
    return render(request, "proactive/offer_list.html", context)


@require_POST
@front_required
def offer_accept(request: HttpRequest, pk: int) -> HttpResponse:
    offer = selectors.offer_get(user=request.user, pk=pk)
    consent = {"by": request.POST.get("by"), "channel": request.POST.get("channel"), "note": request.POST.get("note")}
    try:
        offer = services.offer_accept(offer=offer, by=request.user, consent=consent, iban=request.POST.get("iban", ""))
    except DomainError as e:
        messages.error(request, e.message)
    else:
        messages.success(
            request,
            _("Accepted: application %(number)s is made for %(name)s.")
            % {"number": offer.application.number, "name": offer.applicant.full_name},
        )
    return redirect("proactive:list")


@require_POST
@front_required
def offer_decline(request: HttpRequest, pk: int) -> HttpResponse:
    offer = selectors.offer_get(user=request.user, pk=pk)
    try:
        services.offer_decline(offer=offer, by=request.user, reason=request.POST.get("reason", ""))
    except DomainError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, _("Declined; the reason is kept."))
    return redirect("proactive:list")


@require_GET
@ministry_required
def channels_dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "proactive/dashboard.html", {"months": dashboard.figures()})


@require_http_methods(["GET", "POST"])
def public_offer(request: HttpRequest, token: str) -> HttpResponse:
    """The person's own page for an offer, reached by the link in their message (the link is the key, as the phone
    upload link is): the reason, the rule's explanation, and one button to agree."""
    try:
        offer = services.offer_by_token(token)
    except LinkInvalid as e:
        return render(request, "proactive/public_offer_closed.html", {"reason": e.message}, status=404)
    actions = OFFERS.available_actions(offer, None)
    error, status = "", 200
    if request.method == "POST":
        if OfferAction.ACCEPT not in actions and OfferAction.DECLINE not in actions:
            error, status = str(OFFERS.why_not(offer, OfferAction.ACCEPT, None).message), 409
        elif request.POST.get("answer") == "decline":
            try:
                services.offer_decline(offer=offer, by=None, reason=_("Declined by the person online"))
            except DomainError as e:
                error, status = str(e.message), e.status
            else:
                return redirect("proactive:public-offer", token=token)
        elif not request.POST.get("agree"):
            error, status = _("Tick the box to agree."), 400
        else:
            consent = {"by": ProactiveOffer.ConsentBy.APPLICANT, "channel": ProactiveOffer.ConsentChannel.ONLINE}
            try:
                services.offer_accept(offer=offer, by=None, consent=consent, iban=request.POST.get("iban", ""))
            except DomainError as e:
                error, status = str(e.message), e.status
            else:
                return redirect("proactive:public-offer", token=token)
        offer.refresh_from_db()
        actions = OFFERS.available_actions(offer, None)
    cases = list(offer.application.cases.select_related("service_type")) if offer.application_id else []
    context = {"offer": offer, "actions": actions, "error": error, "cases": cases, "iban": request.POST.get("iban", "")}
    return render(request, "proactive/public_offer.html", context, status=status)


@csrf_exempt
@require_POST
def feed_read(request: HttpRequest) -> HttpResponse:
    """The stand-in's nudge in the embedded default (no beat): read the feed now. Only while the stand-in is on; it
    reads from the cursor, so any number of nudges is one reading."""
    if not settings.REGISTRY_GATEWAY_STANDIN:
        raise Http404
    services.feed_poll()
    return HttpResponse(status=204)
