"""The queue's filters, one definition for the page and the API (django-filter)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from backoffice.selectors import Today, filter_choices, queue_filter
from cases.models import Case, Community, FrontOffice, ServiceType


def _services(request):
    return filter_choices(user=request.user)[0] if request else ServiceType.objects.none()


def _communities(request):
    return filter_choices(user=request.user)[1] if request else Community.objects.none()


def _front_offices(request):
    return filter_choices(user=request.user)[2] if request else FrontOffice.objects.none()


class QueueFilter(django_filters.FilterSet):
    """Service (code), community and front office (ids, of my back offices only), channel, due soon or overdue."""

    service = django_filters.ModelChoiceFilter(
        label=_("Service"),
        field_name="service_type",
        queryset=_services,
        to_field_name="code",
        method="narrow",
        empty_label=_("All services"),
    )
    community = django_filters.ModelChoiceFilter(
        label=_("Community"), queryset=_communities, method="narrow", empty_label=_("All communities")
    )
    front_office = django_filters.ModelChoiceFilter(
        label=_("Front office"), queryset=_front_offices, method="narrow", empty_label=_("All front offices")
    )
    channel = django_filters.ChoiceFilter(
        label=_("Channel"), choices=Case.Channel.choices, method="narrow", empty_label=_("Any channel")
    )
    due = django_filters.ChoiceFilter(
        label=_("Due"),
        choices=[("soon", _("Due soon")), ("overdue", _("Overdue"))],
        method="narrow",
        empty_label=_("Any due date"),
    )

    class Meta:
        model = Case
        fields = ["service", "community", "front_office", "channel", "due"]

    def __init__(self, *args, today: Today | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or Today.now()

    def narrow(self, queryset, name, value):
        return queue_filter(queryset, {{"service_type": "service"}.get(name, name): value}, self.today)
