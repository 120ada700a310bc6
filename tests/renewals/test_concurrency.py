"""The daily job run several times at once (two beat schedulers, a manual run during the nightly one), on PostgreSQL:
each grant gets one renewal, and every run ends without an error."""

import pytest

from cases.models import Case
from renewals import services
from renewals.models import Renewal
from tests.backoffice.test_concurrency import race

from .helpers import granted_low_income

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_runs_open_one_renewal_per_grant(rules, gateway):
    grants = [granted_low_income(rules, gateway, days_ago=160) for _ in range(3)]
    results = race([services.renewals_run for _ in range(6)])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r.opened for r in results) == 3
    assert Renewal.objects.count() == 3
    assert set(Renewal.objects.values_list("previous_id", flat=True)) == {g.pk for g in grants}
    assert Case.objects.filter(channel=Case.Channel.RENEWAL).count() == 3
    assert not Case.objects.filter(channel=Case.Channel.RENEWAL, decision="").exists()  # each renewed by the robot
