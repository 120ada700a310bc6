"""The statement table is the whole rule: for every status, every kind of user, every action and both ways the
"not the issuer" guard can go, ``available_actions`` offers exactly what the service then does — and the service
refuses everything else, with a named error, leaving no history row."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction

from cases import clock
from cases.exceptions import DomainError
from payments.models import Statement, StatementEvent
from payments.services import statements as machine
from tests.payments.conftest import kyiv

pytestmark = pytest.mark.django_db

St = Statement.Status
ENDED, RUNNING = date(2026, 5, 1), date(2026, 6, 1)
NOW = kyiv(2026, 6, 20, 12)
USERS = ("accountant", "admin", "supervisor_a", "supervisor_b", "clerk_a", "specialist")
INPUT = {
    "dispute": {"claimed_count": 3, "comment": "Не враховано"},
    "approve": {"acknowledge_over_budget": True},
    "pay": {"reference": "ДКСУ-1", "paid_on": date(2026, 6, 19), "amount": Decimal("0.00")},
}
SERVICES = {
    "issue": machine.statement_issue,
    "confirm": machine.statement_confirm,
    "dispute": machine.statement_dispute,
    "approve": machine.statement_approve,
    "pay": machine.statement_pay,
}


def statement_in(world, status: str, *, period: date, issued_by) -> Statement:
    statement = Statement.objects.create(community=world.a, period=period)
    if status != St.OPEN:
        fields = {"status": status, "issued_at": NOW - timedelta(days=10), "issued_by": issued_by}
        if status in (St.APPROVED, St.PAID):
            fields["approved_at"] = NOW - timedelta(days=2)
        if status == St.PAID:
            fields |= {"paid_at": NOW, "paid_on": date(2026, 6, 19), "paid_amount": Decimal("0.00"),
                       "payment_reference": "ДКСУ-0"}  # fmt: skip
        Statement.objects.filter(pk=statement.pk).update(**fields)
    return Statement.objects.get(pk=statement.pk)


CASES = [
    (status, period, issuer)
    for status in St.values
    for period in ((ENDED, RUNNING) if status == St.OPEN else (ENDED,))
    for issuer in ((None,) if status == St.OPEN else (None, "accountant"))
]


@pytest.mark.parametrize(("status", "period", "issuer"), CASES)
def test_available_actions_and_the_services_agree(world, status, period, issuer):
    users = {name: getattr(world, name, None) for name in USERS}
    users["supervisor_b"] = users["supervisor_b"] or _supervisor_of_another_community(world)
    for name, user in users.items():
        for action, run in SERVICES.items():
            statement = statement_in(world, status, period=period, issued_by=getattr(world, issuer) if issuer else None)
            with clock.travel_to(NOW):
                offered = action in machine.available_actions(statement, user)
                sid = transaction.savepoint_create()
                try:
                    done = run(statement=statement, by=user, **INPUT.get(action, {}))
                except DomainError:
                    done = None
                events = StatementEvent.objects.filter(statement=statement).count()
                transaction.savepoint_rollback(sid)
            where = f"{action} on {status}/{period:%m}/{issuer} by {name}"
            if offered:
                assert done is not None and done.status == machine.STATEMENTS.rules[action].target, where
                assert events == 1, where
            else:
                assert events == 0, where  # refused, or a repeat that changes nothing
            Statement.objects.filter(pk=statement.pk).delete()


def _supervisor_of_another_community(world):
    from cases.models import Membership
    from tests.factories import UserFactory

    user = UserFactory(username="supervisor_b")
    Membership.objects.create(user=user, role=Membership.Role.SUPERVISOR, community=world.b)
    return user


def test_the_table_names_each_actions_roles_and_guards():
    def names(action):
        return tuple(g.name for g in machine.STATEMENTS.rules[action].guards)

    rules = machine.STATEMENTS.rules
    assert rules["issue"].roles == {"ministry", "system"} and names("issue") == ("month_ended",)
    assert rules["confirm"].roles == rules["dispute"].roles == {"supervisor"}
    assert rules["approve"].roles == rules["pay"].roles == {"ministry"}
    assert names("approve") == names("pay") == ("not_the_issuer",)
