"""The back office's API input and output shapes. Input serializers only parse; the services decide."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.api.serializers import (
    CaseSerializer,
    ErrorSerializer,  # noqa: F401 - re-exported for backoffice.api
)
from cases.models import Case


class QueueCaseSerializer(CaseSerializer):
    """A case in the queue, with its due-date mark."""

    due_mark = serializers.SerializerMethodField(help_text='"overdue", "due_soon" or "".')

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "due_mark"]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=["overdue", "due_soon", ""]))
    def get_due_mark(self, case: Case) -> str:
        return self.context["today"].mark(case)


class QueueCountsSerializer(serializers.Serializer):
    waiting = serializers.IntegerField(help_text="Cases waiting in the queue of my back offices.")
    due_soon = serializers.IntegerField()
    overdue = serializers.IntegerField()
    mine = serializers.IntegerField(help_text="Cases I hold (in review, waiting on the front office, my refusals).")
    refusals_pending = serializers.IntegerField(help_text="Refusals waiting for my signature (heads).")


class ReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class RequiredReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=5000)


class NoteInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class ReassignInputSerializer(serializers.Serializer):
    to = serializers.CharField(help_text="The specialist: a user id or username.")
    reason = serializers.CharField(allow_blank=True, max_length=5000)


class RequestInfoInputSerializer(serializers.Serializer):
    message = serializers.CharField(allow_blank=True, max_length=5000)
    items = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        default=list,
        help_text="Ids of the service's checklist items that are missing (see /service-types/{code}/).",
    )


class DecideInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Case.Decision.choices)
    grounds = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        default=list,
        help_text="Codes of the service's refusal grounds (at least one for a refusal).",
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)
