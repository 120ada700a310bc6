"""Reads: the rules and parameters in force, the latest evaluation of a case, who may replay rules."""

from datetime import date

from cases.access import access_for
from cases.models import Case, Membership
from eligibility import rules
from eligibility.engine import published_version_for
from eligibility.models import DryRun, Evaluation, Parameter, RulePublication

R = Membership.Role


def may_replay_rules(user) -> bool:
    """The head of a back office and the ministry administrator run dry runs and approve parameter changes."""
    access = access_for(user)
    return bool(access.head_back_office_ids) or R.MINISTRY_ADMIN in access.ministry_roles


def rules_in_force(*, on: date) -> list[dict]:
    """Every service's rule versions and the parameter rows in force on ``on``."""
    params: dict[str, list[Parameter]] = {}
    for p in Parameter.objects.filter(valid_from__lte=on).order_by("service", "code", "valid_from"):
        if p.valid_to is None or p.valid_to >= on:
            params.setdefault(p.service, []).append(p)
    published = set(
        RulePublication.objects.filter(status=RulePublication.Status.PUBLISHED).values_list("version", flat=True)
    )
    out = []
    for service in rules.SERVICES:
        versions = rules.versions_of(service)
        try:
            current = published_version_for(service, on)
        except rules.RuleError:
            current = None
        out.append(
            {
                "service": service,
                "in_force": current.version if current else None,
                "versions": [
                    {
                        "version": v.version,
                        "valid_from": v.valid_from,
                        "valid_to": v.valid_to,
                        "summary": v.summary,
                        "parameters": list(v.parameters),
                        "published": v.version in published,
                    }
                    for v in versions
                ],
                "parameters": [
                    {
                        "code": p.code,
                        "value": p.value,
                        "valid_from": p.valid_from,
                        "valid_to": p.valid_to,
                        "reference": p.reference,
                    }
                    for p in params.get(service, [])
                ],
            }
        )
    return out


def evaluation_latest(case: Case) -> Evaluation | None:
    return Evaluation.objects.filter(case=case).order_by("-at", "-pk").first()


def dry_runs_recent(*, service: str | None = None, limit: int = 20):
    qs = DryRun.objects.select_related("run_by")
    if service:
        qs = qs.filter(service=service)
    return qs[:limit]


def explanation_for(case: Case, language: str) -> dict | None:
    """What the reviewer's page and the notice show: the latest evaluation, its conditions in ``language``."""
    ev = evaluation_latest(case)
    if ev is None:
        return None
    lines = [
        {**c, "sentence": (c.get("text") or {}).get(language) or (c.get("text") or {}).get("uk", "")}
        for c in ev.conditions
    ]
    steps = [
        {**s, "sentence": (s.get("text") or {}).get(language) or (s.get("text") or {}).get("uk", "")} for s in ev.steps
    ]
    return {"evaluation": ev, "lines": lines, "steps": steps, "robot": ev.acted}


def rule_publications_pending() -> list[dict]:
    """Code versions not yet published: those awaiting approval (with their proposal) and those not yet proposed."""
    open_ = {
        p.version: p
        for p in RulePublication.objects.filter(status=RulePublication.Status.PROPOSED).select_related(
            "proposed_by", "dry_run"
        )
    }
    published = set(
        RulePublication.objects.filter(status=RulePublication.Status.PUBLISHED).values_list("version", flat=True)
    )
    rows = []
    for v in rules.VERSIONS:
        if v.version in published:
            continue
        rows.append(
            {
                "service": v.service,
                "version": v.version,
                "valid_from": v.valid_from,
                "publication": open_.get(v.version),
            }
        )
    return rows
