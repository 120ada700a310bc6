from django import template

from cases.lifecycle import Action

register = template.Library()
_LABELS = dict(Action.choices)


@register.filter
def action_label(code: str) -> str:
    """A timeline event's action in words ("submit" -> "Submitted to the back office")."""
    return _LABELS.get(code, code)
