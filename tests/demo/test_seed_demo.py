import pytest
from django.core.management import call_command

from cases.models import Applicant, Case, CaseEvent, Community, FrontOffice, Membership, Page, ServiceType, User
from payments.models import Accrual

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def snapshot():
    return {
        "cases": sorted(Case.objects.values_list("number", "status", "community__katottg")),
        "counts": {
            m.__name__: m.objects.count()
            for m in (Applicant, CaseEvent, Community, FrontOffice, Membership, Page, ServiceType, User, Accrual)
        },
    }


def test_seed_demo_is_complete_and_idempotent(capsys):
    call_command("seed_demo")
    first = snapshot()
    call_command("seed_demo")
    assert snapshot() == first
    output = capsys.readouterr().out
    for username in ("clerk", "clerk2", "supervisor", "reviewer", "head", "accountant", "admin"):
        assert username in output
    assert len(first["cases"]) >= 200
    assert {status for _, status, _ in first["cases"]} == set(Case.Status.values)
    assert len({community for *_, community in first["cases"]}) >= 6
    assert Community.objects.count() >= 6 and FrontOffice.objects.count() >= 8
    assert 8 <= ServiceType.objects.count() <= 10
    assert not Page.objects.exclude(status=Page.Status.READY).exists()
    # Accepted intakes earned their community a fee; rejected intakes never did.
    assert Accrual.objects.count() == Case.objects.filter(accepted_at__isnull=False).count()
    assert not Accrual.objects.filter(case__status=Case.Status.INTAKE_REJECTED).exists()
