"""The explanation of a decision, as the case's timeline records it — one reading for the API, the notices and pages.

The rules live in ``eligibility``; what they said lives on the case: the robot writes its explanation into the data
of its ``decide`` row, or of a ``robot_review`` row when it passes the case to people (the reviewer then decides
with that explanation in hand). The kernel only reads those rows, so it shows the explanation without importing the
rules: the case detail API's ``decision`` and both prints of the decision notice (front office, status page) come
from ``decision_explained``.
"""

from cases.lifecycle import ROBOT_USERNAME, Action
from cases.models import Case


def _last_event(case: Case, action: str):
    """The latest timeline row of ``action`` (from the prefetched events when the caller loaded them)."""
    found = None
    for event in case.events.all():
        if event.action == action:
            found = event
    return found


def _text(texts: dict | None, language: str) -> str:
    texts = texts or {}
    return texts.get(language) or texts.get("uk") or ""


def explanation_lines(data: dict | None, language: str) -> list[dict]:
    """Each condition of a timeline row's explanation, its sentence in ``language``."""
    return [
        {
            "code": c.get("code", ""),
            "result": c.get("result", "unknown"),
            "text": _text(c.get("text"), language),
            "actual": c.get("actual"),
            "expected": c.get("expected"),
            "reference": c.get("reference", ""),
        }
        for c in (data or {}).get("explanation", [])
    ]


def robot_review(case: Case):
    """The robot's latest note passing the case to people, or None."""
    return _last_event(case, Action.ROBOT_REVIEW)


def decision_explained(case: Case, language: str) -> dict | None:
    """The decision with its explanation (None before one): ``outcome``, ``amount`` (a grant's, as text),
    ``decided_by`` (``{"kind": "robot" | "person", "name"}``), ``rules_version``, ``explanation`` (the conditions)
    and ``steps`` (how the amount was computed: ``{"text", "value"}``). A robot's decision carries its own
    explanation; a person's, the robot's review they decided on (if the robot saw the case)."""
    if not case.decision:
        return None
    decide = _last_event(case, Action.DECIDE)
    by = decide.actor if decide is not None else None
    robot = by is not None and by.username == ROBOT_USERNAME and bool((decide.data or {}).get("robot"))
    data = (decide.data if robot else getattr(robot_review(case), "data", None)) or {}
    granted = case.decision == Case.Decision.GRANTED
    return {
        "outcome": case.decision,
        "amount": data.get("amount") if granted else None,
        "decided_by": None
        if by is None
        else {"kind": "robot" if robot else "person", "name": by.get_full_name() or by.username},
        "rules_version": data.get("rules_version"),
        "explanation": explanation_lines(data, language),
        "steps": [{"text": _text(s.get("text"), language), "value": s.get("value", "")} for s in data.get("steps", [])]
        if granted
        else [],
    }
