"""Who may act on fees: ministry staff for rates, the ledger, issuing, approval, payment and budgets; the
community's supervisor for confirming or disputing its statement. Approval and payment are by someone other than the
issuer (a statement issued by the month-end job, ``issued_by`` empty, may be approved and paid by any ministry user)."""

import logging

from django.utils.translation import gettext_lazy as _

from cases.access import access_for
from cases.exceptions import NotPermitted, SeparationOfDuties
from payments.models import Statement

logger = logging.getLogger(__name__)


def require_ministry(by) -> None:
    if not access_for(by).is_ministry:
        raise NotPermitted(_("Only ministry staff may do this."))


def require_supervisor(statement: Statement, by) -> None:
    if statement.community_id not in access_for(by).supervisor_community_ids:
        raise NotPermitted(_("Only the community's supervisor may confirm or dispute its statement."))


def require_not_issuer(statement: Statement, by) -> None:
    if statement.issued_by_id is not None and statement.issued_by_id == by.pk:
        raise SeparationOfDuties(_("Someone other than the person who issued this statement must approve and pay it."))
