"""API fuzzing with schemathesis against our own /api/schema/, in-process (WSGI) on the test database.

For every operation, hypothesis generates requests from the schema (bounded: FUZZ_EXAMPLES per operation) and each
is sent as every role — anonymous, clerk, a clerk of another community, supervisor, specialist, head, a specialist
of another back office, accountant, admin. The checks: never a server error, and every documented response
matches its schema (status code, content type, body).
"""

import json
import os
from collections import Counter
from pathlib import Path

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from config.wsgi import application
from tests.factories import make_case

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
ROLES = ["clerk_a", "clerk_b", "supervisor_a", "specialist", "head", "specialist_other", "accountant", "admin"]
CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
OUT = Path(__file__).resolve().parents[2] / "test-output" / "api-fuzz.json"
STATUSES: Counter = Counter()
OPERATIONS: set = set()


@pytest.fixture(scope="module", autouse=True)
def _summary():
    """What was tried, for docs/security.md: requests sent, operations covered, answers by status code."""
    yield
    OUT.parent.mkdir(exist_ok=True)
    summary = {
        "operations": len(OPERATIONS),
        "requests": sum(STATUSES.values()),
        "statuses": dict(sorted(STATUSES.items())),
    }
    OUT.write_text(json.dumps(summary, indent=2))


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI app fires request_started/finished, whose ``close_old_connections`` would close the connection the
    test's transaction lives on (on PostgreSQL). Django's test client disconnects it the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(world):
    from cases.models import Case

    # Something real to find: cases of community A in the states the actions care about.
    for status in (Case.Status.DRAFT, Case.Status.SUBMITTED, Case.Status.IN_REVIEW, Case.Status.DECIDED):
        make_case(world, status)
    return {role: Token.objects.create(user=getattr(world, role)).key for role in ROLES}


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_as_every_role(case, tokens):
    OPERATIONS.add(case.operation.label)
    STATUSES[case.call_and_validate(checks=CHECKS).status_code] += 1  # anonymous
    for role in ROLES:
        response = case.call_and_validate(headers={"Authorization": f"Token {tokens[role]}"}, checks=CHECKS)
        STATUSES[response.status_code] += 1
