"""The connector against the stand-in over real sockets: both header dialects, the security server's refusal of a
request without its headers, mutual TLS with certificates made here, answers refused for size or type."""

import datetime
import ipaddress
import ssl
import threading
from wsgiref.simple_server import make_server

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from gateway.app import GatewayApp
from gateway.store import Store
from registries import client
from registries.client import request_hash
from registries.models import Registry, RegistryQuery
from tests.factories import applicant

from .conftest import MOTHER, _Quiet, _ThreadingServer, serve
from .helpers import known_person, open_childbirth, query_of, rnokpp_for

pytestmark = pytest.mark.django_db
S = RegistryQuery.Status


def test_xroad_dialect_answers_with_a_request_hash_we_can_recompute(registries, gateway, settings):
    settings.REGISTRY_HEADER_DIALECT = "xroad"
    world = registries
    case = open_childbirth(world, known_person(world, gateway))
    query = query_of(case, "dracs")
    assert query.status == S.ANSWERED and query.dialect == "xroad"
    registry = query.registry
    path = "/r1/" + "/".join(registry.service_id_parts[:5]) + "/v1"
    expected = request_hash(
        "GET", path, f"rnokpp={case.applicant.rnokpp}", settings.REGISTRY_CLIENT_ID, str(query.query_id)
    )
    assert query.request_hash == expected


def test_both_dialects_send_their_own_headers(registries, settings):
    registry = Registry.objects.get(code="dracs")
    settings.REGISTRY_GATEWAY_URL = "https://gw.example/_gateway"
    url, headers, _ = client.request_for(registry, subject={"rnokpp": "1"}, query_id="q1", purpose="p", dialect="xroad")
    assert url == "https://gw.example/_gateway/r1/SEVDEIR-TEST/GOV/00015622/dracs/birthRecords/v1?rnokpp=1"
    assert headers["X-Road-Client"] == settings.REGISTRY_CLIENT_ID and headers["X-Road-Id"] == "q1"
    assert not any(h.startswith("Uxp-") for h in headers)
    url, headers, _ = client.request_for(
        registry, subject={"passport": "АБ 1/2"}, query_id="q1", purpose="p", dialect="trembita"
    )
    assert url.startswith("https://gw.example/_gateway/restapi/birthRecords/v1?passport=")
    assert "%D0%90%D0%91+1%2F2" in url  # identifiers percent-encoded
    assert headers["Uxp-Service"] == "SEVDEIR-TEST/GOV/00015622/dracs/birthRecords/v1"
    assert headers["Uxp-QueryID"] == "q1" and headers["Uxp-Purpose-Ids"] == "p"
    registry.member_code = "0001/5622"
    url, _, _ = client.request_for(registry, subject={"rnokpp": "1"}, query_id="q", purpose="p", dialect="xroad")
    assert "/GOV/0001%2F5622/dracs/" in url


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {
            "Uxp-Client": "SEVDEIR-TEST/GOV/1/sub",
            "Uxp-Service": "SEVDEIR-TEST/GOV/00015622/dracs/birthRecords/v1",
            "Uxp-QueryID": "q",
        },  # no purpose
        {
            "Uxp-Client": "not-an-id",
            "Uxp-Service": "SEVDEIR-TEST/GOV/00015622/dracs/birthRecords/v1",
            "Uxp-QueryID": "q",
            "Uxp-Purpose-Ids": "p",
        },
    ],
)
def test_the_security_server_refuses_a_request_without_its_headers(gateway, headers):
    r = httpx.get(f"{gateway.url}/restapi/birthRecords/v1?rnokpp=1", headers=headers)
    assert r.status_code == 400
    assert r.headers["X-Road-Error"].startswith("Client.InvalidRequest")
    assert r.json()["type"] == r.headers["X-Road-Error"]


def test_xroad_without_its_id_is_refused(gateway):
    r = httpx.get(
        f"{gateway.url}/r1/SEVDEIR-TEST/GOV/00015622/dracs/birthRecords/v1?rnokpp=1",
        headers={"X-Road-Client": "SEVDEIR-TEST/GOV/1/sub"},
    )
    assert r.status_code == 400 and r.json()["detail"] == "X-Road-Id"


def test_an_oversized_answer_is_refused(registries, gateway, settings):
    settings.REGISTRY_MAX_ANSWER_BYTES = 100
    world = registries
    query = query_of(open_childbirth(world, known_person(world, gateway)), "dracs")
    assert (query.status, query.error_code) == (S.FAILED, "answer_too_large")
    assert not query.documents.exists()


@pytest.fixture
def html_gateway():
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/html")])
        return [b"<html>login page of a proxy</html>"]

    server = make_server("127.0.0.1", 0, app, server_class=_ThreadingServer, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_wrongly_typed_answer_is_refused(registries, gateway, html_gateway, settings):
    world = registries
    person = known_person(world, gateway)
    settings.REGISTRY_GATEWAY_URL = html_gateway  # a proxy's HTML page where the security server should be
    query = query_of(open_childbirth(world, person), "dracs")
    assert (query.status, query.error_code) == (S.FAILED, "wrong_content_type")
    assert not query.documents.exists()


def test_an_unreachable_gateway_is_a_recorded_failure(registries, gateway, settings):
    world = registries
    person = known_person(world, gateway)
    settings.REGISTRY_GATEWAY_URL = "http://127.0.0.1:9/_gateway"  # discard port: nothing listens
    query = query_of(open_childbirth(world, person), "dracs")
    assert (query.status, query.error_code) == (S.FAILED, "gateway_unreachable")


# --- mutual TLS ---------------------------------------------------------------------------------------------------


def _cert(subject: str, key, issuer_cert=None, issuer_key=None, *, ca=False, server=False):
    now = datetime.datetime.now(datetime.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer_cert.subject if issuer_cert else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    elif not ca:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    return builder.sign(issuer_key or key, hashes.SHA256())


def _write(path, cert=None, key=None):
    data = b""
    if cert is not None:
        data += cert.public_bytes(serialization.Encoding.PEM)
    if key is not None:
        data += key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    path.write_bytes(data)
    return str(path)


@pytest.fixture
def tls_gateway(tmp_path, settings):
    """The stand-in behind TLS that demands a client certificate from our CA (as a security server does)."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _cert("Test exchange CA", ca_key, ca=True)
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = _cert("security-server", server_key, ca, ca_key, server=True)
    client_key = ec.generate_private_key(ec.SECP256R1())
    client_cert = _cert("SEVDEIR-TEST/GOV/37567866/hromada-intake", client_key, ca, ca_key)
    paths = {
        "ca": _write(tmp_path / "ca.pem", ca),
        "server": _write(tmp_path / "server.pem", server_cert, server_key),
        "client_cert": _write(tmp_path / "client.pem", client_cert),
        "client_key": _write(tmp_path / "client.key", key=client_key),
    }
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(paths["server"])
    context.load_verify_locations(paths["ca"])
    context.verify_mode = ssl.CERT_REQUIRED
    app = GatewayApp(Store(tmp_path / "tls-gateway.sqlite3"))
    server, _thread = serve(app, context)
    url = f"https://127.0.0.1:{server.server_address[1]}/_gateway"
    settings.REGISTRY_GATEWAY_URL = url
    settings.REGISTRY_CA_BUNDLE = paths["ca"]
    settings.REGISTRY_CLIENT_CERT = paths["client_cert"]
    settings.REGISTRY_CLIENT_KEY = paths["client_key"]
    yield app, url, paths
    server.shutdown()
    server.server_close()


def test_mutual_tls_with_a_client_certificate(registries, tls_gateway, settings):
    app, _url, paths = tls_gateway
    world = registries
    rnokpp = rnokpp_for(datetime.date(1984, 1, 2))
    person = applicant(world, rnokpp=rnokpp, birth_date=datetime.date(1984, 1, 2))
    app.store.put_person({**MOTHER, "rnokpp": rnokpp, "passport": person.passport_number})
    query = query_of(open_childbirth(world, person), "dracs")
    assert query.status == S.ANSWERED, query.error_code

    # Without our certificate the security server ends the handshake: a recorded failure, not an answer.
    settings.REGISTRY_CLIENT_CERT = None
    settings.REGISTRY_CLIENT_KEY = None
    again = client.GatewayError
    with pytest.raises(again) as refused:
        client.ask(query.registry, subject={"rnokpp": rnokpp}, query_id="q-no-cert", purpose="p")
    assert refused.value.code == "gateway_unreachable"
    # And a server whose certificate is not from the exchange's CA is not trusted.
    settings.REGISTRY_CLIENT_CERT, settings.REGISTRY_CLIENT_KEY = paths["client_cert"], paths["client_key"]
    settings.REGISTRY_CA_BUNDLE = None
    with pytest.raises(again):
        client.ask(query.registry, subject={"rnokpp": rnokpp}, query_id="q-bad-ca", purpose="p")
