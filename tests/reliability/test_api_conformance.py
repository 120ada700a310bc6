"""The API says what it does: schemathesis, every check on, as every role, against the schema the app serves.

For every operation in ``/api/schema/`` (whatever app adds it: the harness iterates the schema, it names no
endpoint), schemathesis generates requests — the schema's examples, its coverage cases (boundaries, missing and
wrong-typed values) and ``CONFORMANCE_EXAMPLES`` fuzzed ones, positive and negative — and each request is sent, in
process through Django's WSGI application on the test database, as anonymous and as each role: clerk, supervisor,
reviewer, head, accountant, admin. Every built-in check runs on every answer (schemathesis' default set: no server
error, status code / content type / headers / body match the schema, valid input is accepted and invalid input
refused, a declared security scheme is not ignored, methods the schema does not list answer 405, …).

A failure names the operation, the role(s) and each check that failed with schemathesis' own explanation and a
``curl`` line to reproduce it, so whoever adds an endpoint can read what to declare or validate. How to run it and
what it covers: docs/operations.md, "API conformance".
"""

import json
import os
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.core.failures import Failure, FailureGroup

from config.wsgi import application
from payments.exports import STATEMENT_COLUMNS
from tests.factories import make_case

EXAMPLES = int(os.environ.get("CONFORMANCE_EXAMPLES", "2"))
# Role → the user of tests.factories.build_world who plays it (None: no credentials at all).
ROLES = {
    "anonymous": None,
    "clerk": "clerk_a",
    "supervisor": "supervisor_a",
    "reviewer": "specialist",
    "head": "head",
    "accountant": "accountant",
    "admin": "admin",
}
# What a well-formed file of a media type the API declares for an upload looks like (a schema cannot say a file's
# content): the statements export as the accountant re-uploads it — its header, and rows with or without a treasury
# reference. The reconciliation's part declares `text/csv` (encoding), so schemathesis draws its files from here.
_cell = st.text(alphabet=st.characters(codec="utf-8", exclude_characters=',;"\r\n\t'), max_size=12)
_export_row = st.lists(_cell, min_size=len(STATEMENT_COLUMNS), max_size=len(STATEMENT_COLUMNS))
schemathesis.openapi.media_type(
    "text/csv",
    st.lists(_export_row, max_size=3).map(
        lambda rows: "\n".join(",".join(r) for r in [STATEMENT_COLUMNS, *rows]).encode("utf-8")
    ),
)
COLLECT = os.environ.get("CONFORMANCE_COLLECT")  # a path: record failures there and go on (for a full inventory)

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
OUT = Path(__file__).resolve().parents[2] / "test-output" / f"api-conformance-{WORKER}.json"
STATUSES: Counter = Counter()
OPERATIONS: set = set()
FAILURES: dict = defaultdict(list)
STARTED = time.monotonic()


@pytest.fixture(scope="module", autouse=True)
def _summary():
    """What was tried, for docs/operations.md: operations, roles, requests sent, answers by status, time."""
    yield
    OUT.parent.mkdir(exist_ok=True)
    summary = {
        "operations": len(OPERATIONS),
        "roles": list(ROLES),
        "examples_per_operation": EXAMPLES,
        "requests": sum(STATUSES.values()),
        "statuses": dict(sorted(STATUSES.items())),
        "failures": {op: problems for op, problems in sorted(FAILURES.items())},
        "seconds": round(time.monotonic() - STARTED, 1),
    }
    OUT.write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    if COLLECT:
        Path(f"{COLLECT}.{WORKER}").write_text(json.dumps(summary, indent=2, ensure_ascii=False))


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

    # Something real to find: cases of the clerk's community in the states the actions care about.
    for status in (Case.Status.DRAFT, Case.Status.SUBMITTED, Case.Status.IN_REVIEW, Case.Status.DECIDED):
        make_case(world, status)
    return {role: Token.objects.create(user=getattr(world, user)).key if user else None for role, user in ROLES.items()}


def _failures(exc: BaseException) -> list[Failure]:
    if isinstance(exc, Failure):
        return [exc]
    if isinstance(exc, BaseExceptionGroup):
        return [f for sub in exc.exceptions for f in _failures(sub)]
    raise exc


def _explain(label: str, by_check: dict) -> str:
    lines = [f"{label}: {len(by_check)} check(s) failed"]
    for (title, message), roles in by_check.items():
        lines.append(f"\n--- {title} — as {', '.join(roles)}\n{message.strip()}")
    return "\n".join(lines)


@pytest.mark.slow
@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: the first failing request is the report
    database=None,
)
def test_operation_conforms_as_every_role(case, tokens):
    label = case.operation.label
    OPERATIONS.add(label)
    by_check: dict = defaultdict(list)
    for role, token in tokens.items():
        # Identity: schemathesis' WSGI transport does not undo our gzip (a real client does).
        headers = {"Accept-Encoding": "identity"}
        if token:
            headers["Authorization"] = f"Token {token}"
        response = case.call(headers=headers)
        STATUSES[response.status_code] += 1
        try:
            case.validate_response(
                response,
                headers=headers,
                transport_kwargs={"headers": dict(headers)},
            )
        except (Failure, FailureGroup) as exc:
            answer = f"Answered {response.status_code}: {response.text[:300]}"
            for failure in _failures(exc):
                by_check[(failure.title, f"{failure.message or ''}\n{answer}")].append(role)
    if not by_check:
        return
    curl = case.as_curl_command(headers={"Authorization": "Token <role's token>"})
    for (title, message), roles in by_check.items():
        entry = {"check": title, "roles": roles, "message": message.strip()[:1500], "curl": curl}
        if entry not in FAILURES[label]:
            FAILURES[label].append(entry)
    if not COLLECT:
        raise AssertionError(_explain(label, by_check) + f"\n\nReproduce: {curl}")
