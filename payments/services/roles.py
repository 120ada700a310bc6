"""Who may write fees outside the statement transitions: ministry staff (rates, the ledger, budgets, a whole
month's issue, reconciliation). Who may take each statement transition is in its table
(``payments.services.statements.STATEMENTS``, run by ``cases.statemachine``)."""

import logging

from django.utils.translation import gettext_lazy as _

from cases.access import access_for
from cases.exceptions import NotPermitted

logger = logging.getLogger(__name__)


def require_ministry(by) -> None:
    if not access_for(by).is_ministry:
        raise NotPermitted(_("Only ministry staff may do this."))
