"""``{% load notifications %}{% case_messages case %}``: the messages sent about a case and their delivery status,
for a case page the user already may see (one-time codes are never listed)."""

from django import template

from notifications.models import Message

register = template.Library()


@register.inclusion_tag("notifications/partials/case_messages.html")
def case_messages(case):
    return {"messages_sent": list(Message.objects.filter(case=case, secret=False).order_by("-created_at", "-pk")[:50])}
