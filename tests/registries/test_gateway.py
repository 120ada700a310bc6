"""The stand-in's fixture API over HTTP: exactly the documented shapes, refused otherwise; faults that count down."""

import httpx
import pytest

from .conftest import MOTHER

HEADERS = {
    "Uxp-Client": "SEVDEIR-TEST/GOV/37567866/hromada-intake",
    "Uxp-Service": "SEVDEIR-TEST/GOV/00015622/dracs/birthRecords/v1",
    "Uxp-QueryID": "q-1",
    "Uxp-Purpose-Ids": "social-protection/benefit-application",
}


def ask(gateway, rnokpp: str):
    return httpx.get(f"{gateway.url}/restapi/birthRecords/v1", params={"rnokpp": rnokpp}, headers=HEADERS)


def test_a_person_in_the_documented_shape_is_answered_for(gateway):
    stored = gateway.person(**{**MOTHER, "rnokpp": "3068210928"})
    assert stored["children"][0]["birth_act"] == "1234/2026"
    r = ask(gateway, "3068210928")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
    assert r.headers["Uxp-QueryID"] == "q-1"
    body = r.json()
    assert body["found"] and body["subject"]["rnokpp"] == "3068210928" and body["data"]["births"]
    assert ask(gateway, "1111111111").json()["found"] is False


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"nickname": "x"}, "unknown fields"),
        ({"last_name": ""}, "last_name"),
        ({"income": [{"month": "2026-01", "amount": "1.00", "source": "salary"}]}, "income.source"),
        ({"disability": {"group": "IV", "since": "2020-01-01"}}, "disability.group"),
        ({"address": {"text": "x"}}, "address.community_katottg"),
        ({"children": ["Марія"]}, "children"),
    ],
)
def test_a_person_in_another_shape_is_refused(gateway, change, field):
    r = httpx.post(f"{gateway.url}/_sim/persons", json={**MOTHER, "rnokpp": "3068210928", **change})
    assert r.status_code == 400 and field in r.json()["detail"]


def test_faults_count_down_apply_to_all_with_a_star_and_are_deleted(gateway):
    gateway.person(**{**MOTHER, "rnokpp": "3068210928"})
    bad = httpx.post(f"{gateway.url}/_sim/faults", json={"registry": "dracs", "mode": "melt"})
    assert bad.status_code == 400
    gateway.fault("dracs", "down", count=2)
    assert [ask(gateway, "3068210928").status_code for _ in range(3)] == [503, 503, 200]
    gateway.fault("*", "not_found")
    assert ask(gateway, "3068210928").json()["found"] is False
    assert httpx.get(f"{gateway.url}/_sim/faults").json() == [
        {"registry": "*", "mode": "not_found", "seconds": None, "count": None}
    ]
    gateway.clear()
    assert ask(gateway, "3068210928").json()["found"] is True


def test_an_unknown_service_is_refused_like_a_security_server(gateway):
    r = httpx.get(f"{gateway.url}/restapi/x/v1", headers={**HEADERS, "Uxp-Service": "SEVDEIR-TEST/GOV/1/nope/x/v1"})
    assert r.status_code == 404 and r.headers["X-Road-Error"] == "Server.ServerProxy.UnknownService"
