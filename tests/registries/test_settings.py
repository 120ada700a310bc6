"""The stand-in is mounted in the embedded default only: with DEBUG off it is absent unless switched on, and the
product then has no gateway address unless one is configured."""

import json

import pytest

from tests.cases.test_settings import run

PROBE = (
    "import json, django; django.setup(); from django.conf import settings\n"
    "from django.urls import resolve, Resolver404\n"
    "try:\n    resolve('/_gateway/_sim/faults'); mounted = True\nexcept Resolver404:\n    mounted = False\n"
    "print(json.dumps({'mounted': mounted, 'url': settings.REGISTRY_GATEWAY_URL,"
    " 'dialect': settings.REGISTRY_HEADER_DIALECT}))"
)
PRODUCTION = {"DEBUG": "0", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "intake.example"}


@pytest.mark.parametrize(
    ("env", "mounted", "url"),
    [
        ({"DEBUG": "1"}, True, "http://127.0.0.1:8000/_gateway"),
        ({"DEBUG": "1", "PORT": "8100"}, True, "http://127.0.0.1:8100/_gateway"),
        (PRODUCTION, False, ""),
        ({**PRODUCTION, "REGISTRY_GATEWAY_URL": "https://ss.intake.example"}, False, "https://ss.intake.example"),
        ({**PRODUCTION, "REGISTRY_GATEWAY_STANDIN": "1"}, True, "http://127.0.0.1:8000/_gateway"),
    ],
)
def test_the_stand_in_is_never_mounted_in_production_by_accident(tmp_path, env, mounted, url):
    result = run({**env, "VAR_DIR": str(tmp_path)}, code=PROBE)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert (found["mounted"], found["url"], found["dialect"]) == (mounted, url, "trembita")
