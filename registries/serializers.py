"""The registries' API shapes (the contract in issue 11; docs/registries.md)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from registries.models import RegistryQuery


class RegistryHealthSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    status = serializers.ChoiceField(
        choices=["up", "degraded", "down", "unknown"], help_text="unknown: nothing was asked of it lately."
    )
    last_ok_at = serializers.DateTimeField(allow_null=True)
    p95_ms = serializers.IntegerField(allow_null=True, help_text="p95 latency of recent answers, milliseconds.")


class RegistryQuerySerializer(serializers.ModelSerializer):
    registry = serializers.SlugRelatedField(slug_field="code", read_only=True)
    error = serializers.SerializerMethodField(help_text="Why it failed or was not found (a code), else null.")
    stands_for = serializers.SerializerMethodField(help_text="Document type codes an answer stands in for.")
    query_id = serializers.CharField(read_only=True, help_text="Our query id, as the exchange logged it (proof).")

    class Meta:
        model = RegistryQuery
        fields = [
            "id",
            "registry",
            "status",
            "asked_at",
            "answered_at",
            "due_at",
            "attempts",
            "error",
            "stands_for",
            "answer",
            "purpose",
            "query_id",
            "request_hash",
        ]
        read_only_fields = fields

    def get_error(self, query: RegistryQuery) -> str | None:
        if query.is_answered or not query.error_code:
            return None
        return query.error_code

    def get_stands_for(self, query: RegistryQuery) -> list[str]:
        return [t.code for t in query.registry.stands_for.all()]


class RegistryQueryAskSerializer(serializers.Serializer):
    registry = serializers.CharField(help_text="The registry's code (see /api/v1/registries/).")


class DataAccessQuerySerializer(serializers.ModelSerializer):
    registry = serializers.SlugRelatedField(slug_field="code", read_only=True)
    case = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True)
    asked_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    front_office = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    application = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True)
    served_cases = serializers.SerializerMethodField(
        help_text="Numbers of the cases whose package this one answer serves (the question's purposes)."
    )

    class Meta:
        model = RegistryQuery
        fields = [
            "id",
            "registry",
            "purpose",
            "case",
            "application",
            "served_cases",
            "front_office",
            "asked_by",
            "asked_at",
            "status",
            "trigger",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_served_cases(self, query) -> list[str]:
        return [case.number for case in getattr(query, "served_cases", [])]


class FileViewSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    user = serializers.CharField(source="user.username")
    case = serializers.CharField(source="case.number")
    what = serializers.CharField()
    object_id = serializers.IntegerField(allow_null=True)


class DataAccessSerializer(serializers.Serializer):
    applicant = serializers.IntegerField()
    registry_queries = DataAccessQuerySerializer(many=True)
    file_views = FileViewSerializer(many=True)
