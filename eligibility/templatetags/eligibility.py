from django import template
from django.utils.translation import get_language

from eligibility.selectors import explanation_for

register = template.Library()


@register.simple_tag
def case_explanation(case):
    """The latest evaluation of ``case`` with its conditions in the page's language (one query), or None."""
    return explanation_for(case, (get_language() or "uk")[:2])
