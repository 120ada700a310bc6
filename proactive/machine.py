"""An offer's life as one table, run by the product's one executor (``cases.statemachine.Machine``).

    detected ──offer──▶ offered ──accept──▶ accepted
        │                  ├──decline──▶ declined
        └──expire──────────┴──expire───▶ expired

``offer`` and ``expire`` are the system's (the reader, the nightly job). ``accept`` and ``decline`` are the clerk's of
the offer's community (on the person's behalf, consent recorded) — or the system's when the person accepts on the
status page through the link they were sent. Accepting a declined or expired offer is refused with the reason.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cases import clock
from cases.access import access_for
from cases.exceptions import TransitionNotAllowed
from cases.models import Membership
from cases.statemachine import SYSTEM, Attempt, Machine, guard, rule
from proactive.models import OfferEvent, ProactiveOffer

OS = ProactiveOffer.Status
CLERK = Membership.Role.CLERK


class OfferAction(models.TextChoices):
    DETECT = "detect", _("Detected")
    OFFER = "offer", _("Offered")
    ACCEPT = "accept", _("Accepted")
    DECLINE = "decline", _("Declined")
    EXPIRE = "expire", _("Expired")


def _declined_error():
    return TransitionNotAllowed(
        _("This offer was declined; it cannot be accepted."), action="accept", status=OS.DECLINED
    )


def _expired_error():
    return TransitionNotAllowed(_("This offer has expired; it cannot be accepted."), action="accept", status=OS.EXPIRED)


def _accepted_error():
    return TransitionNotAllowed(_("This offer was already accepted."), status=OS.ACCEPTED)


@guard("still_open", TransitionNotAllowed, _("This offer has expired; it cannot be accepted."))
def still_open(a: Attempt) -> bool:
    """Past its date an offer is closed even before the daily job marks it expired."""
    return a.obj.expires_on >= clock.today()


OFFER_RULES = (
    rule(OfferAction.OFFER, {OS.DETECTED}, {SYSTEM}, OS.OFFERED),
    rule(
        OfferAction.ACCEPT,
        {OS.OFFERED},
        {CLERK, SYSTEM},
        OS.ACCEPTED,
        guards=(still_open,),
        state_errors={OS.DECLINED: _declined_error, OS.EXPIRED: _expired_error},
    ),
    rule(
        OfferAction.DECLINE,
        {OS.OFFERED},
        {CLERK, SYSTEM},
        OS.DECLINED,
        state_errors={OS.ACCEPTED: _accepted_error, OS.EXPIRED: _expired_error},
    ),
    rule(OfferAction.EXPIRE, {OS.DETECTED, OS.OFFERED}, {SYSTEM}, OS.EXPIRED),
)


def _roles(offer: ProactiveOffer, user) -> frozenset[str]:
    return frozenset({CLERK}) if offer.community_id in access_for(user).clerk_community_ids else frozenset()


OFFERS = Machine(
    name="offer",
    model=ProactiveOffer,
    rules=OFFER_RULES,
    roles_of=_roles,
    history=OfferEvent,
    owner_field="offer",
    select_related=("service_type", "applicant"),
    action_label=lambda action: OfferAction(action).label if action in OfferAction.values else action,
)


def available_actions(offer: ProactiveOffer, user) -> frozenset[str]:
    return OFFERS.available_actions(offer, user)
