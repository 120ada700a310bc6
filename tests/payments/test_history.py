"""A statement's history: every transition leaves a ``StatementEvent`` (who, when, from, to, what was said), the
statement's page shows them as its timeline, and the rows are never changed."""

import importlib
from datetime import date

import pytest
from django.apps import apps
from django.urls import reverse

from cases import clock
from payments.models import Statement, StatementEvent
from payments.services.statements import statement_dispute, statement_issue_month
from tests.payments.conftest import kyiv
from tests.payments.test_statements import MAY, approve, confirm, issue, may, pay  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def history(statement) -> list[tuple]:
    return list(statement.events.order_by("at", "pk").values_list("action", "from_status", "to_status", "actor"))


def test_every_transition_leaves_one_history_row(world, may):  # noqa: F811 - the fixture
    issue(may, world.accountant)
    with clock.travel_to(kyiv(2026, 6, 2, 9)):
        statement_dispute(statement=may, by=world.supervisor_a, claimed_count=3, comment="Одна заява не врахована")
    confirm(may, world.supervisor_a)
    confirm(may, world.supervisor_a)  # a repeat changes nothing and writes nothing
    approve(may, world.admin, note="Узгоджено")
    pay(Statement.objects.get(pk=may.pk), world.admin)
    assert history(may) == [
        ("issue", "open", "issued", world.accountant.pk),
        ("dispute", "issued", "disputed", world.supervisor_a.pk),
        ("confirm", "disputed", "confirmed", world.supervisor_a.pk),
        ("approve", "confirmed", "approved", world.admin.pk),
        ("pay", "approved", "paid", world.admin.pk),
    ]
    dispute, approval, payment = (may.events.get(action=a) for a in ("dispute", "approve", "pay"))
    assert dispute.note == "Одна заява не врахована" and dispute.data == {"claimed_count": 3, "contested": 0}
    assert approval.note == "Узгоджено" and approval.data == {"over_budget": False}
    assert payment.data["reference"] == "ДКСУ-0001" and payment.data["paid_on"] == "2026-06-10"


def test_the_month_end_job_is_recorded_as_no_one(world, may):  # noqa: F811
    with clock.travel_to(kyiv(2026, 6, 1, 0, 30)):
        assert statement_issue_month(period=MAY) >= 1
    assert history(may) == [("issue", "open", "issued", None)]
    assert may.events.get().data == {"count": 2, "amount": "40.00"}


def test_history_rows_are_append_only(world, may):  # noqa: F811
    issue(may, world.accountant)
    event = may.events.get()
    event.note = "rewritten"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


def test_the_statement_page_shows_its_timeline(world, may, client):  # noqa: F811
    issue(may, world.accountant)
    with clock.travel_to(kyiv(2026, 6, 2, 9)):
        statement_dispute(statement=may, by=world.supervisor_a, claimed_count=3, comment="Одна заява не врахована")
    client.force_login(world.admin)
    html = client.get(reverse("payments:statement", args=[may.pk])).content.decode()
    assert "«Одна заява не врахована»" in html
    assert html.index("01.06.2026") < html.index("02.06.2026")  # oldest first


def test_statements_moved_before_the_history_existed_get_it_from_their_dates(world, may):  # noqa: F811
    issue(may, world.accountant)
    approve(confirm(may, world.supervisor_a), world.admin)
    StatementEvent.objects.filter(statement=may).delete()  # as before migration 0002 (queryset delete: no check)
    migration = importlib.import_module("payments.migrations.0002_statement_events")
    migration.backfill(apps, None)
    assert [a for a, *_ in history(may)] == ["issue", "confirm", "approve"]
    assert history(may)[1] == ("confirm", "issued", "confirmed", world.supervisor_a.pk)
    assert may.events.get(action="issue").at == Statement.objects.get(pk=may.pk).issued_at
    assert date(2026, 6, 1) == may.events.get(action="issue").at.date()
