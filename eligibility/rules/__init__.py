"""The reviewed rules, one module per service, each a list of dated ``RuleVersion``\\ s (code, never stored text).

``version_for(service, on)`` picks the version in force on a filing date; ``VERSIONS`` lists them all (the API's
``GET /api/v1/rules/`` and the dry run read it).
"""

from datetime import date

from eligibility.rules import childbirth, low_income, status
from eligibility.rules.base import RuleError, RuleVersion

VERSIONS: list[RuleVersion] = [*childbirth.VERSIONS, *low_income.VERSIONS, *status.VERSIONS]
SERVICES = tuple(dict.fromkeys(v.service for v in VERSIONS))


def versions_of(service: str) -> list[RuleVersion]:
    return [v for v in VERSIONS if v.service == service]


def version_for(service: str, on: date) -> RuleVersion:
    for v in versions_of(service):
        if v.in_force(on):
            return v
    raise RuleError("no_rule", f"no rule version of {service} in force on {on.isoformat()}")


def version_named(name: str) -> RuleVersion:
    for v in VERSIONS:
        if v.version == name:
            return v
    raise RuleError("no_rule", f"no rule version {name}")
