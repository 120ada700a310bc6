"""``GET /api/v1/rules/`` (versions and parameters in force by date); ``POST /api/v1/rules/{service}/dry-run/``."""

from datetime import date

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from cases import clock
from cases.api.serializers import ErrorSerializer
from eligibility import rules, selectors, services

TAGS = ["rules"]


class RuleVersionSerializer(serializers.Serializer):
    version = serializers.CharField()
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(allow_null=True)
    summary = serializers.CharField()
    parameters = serializers.ListField(child=serializers.CharField())
    published = serializers.BooleanField(help_text="Only published versions decide cases; others are only replayed.")


class ParameterSerializer(serializers.Serializer):
    code = serializers.CharField()
    value = serializers.DecimalField(max_digits=14, decimal_places=2)
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(allow_null=True)
    reference = serializers.CharField()


class ServiceRulesSerializer(serializers.Serializer):
    service = serializers.CharField()
    in_force = serializers.CharField(allow_null=True)
    versions = RuleVersionSerializer(many=True)
    parameters = ParameterSerializer(many=True)


class DryRunInputSerializer(serializers.Serializer):
    months = serializers.IntegerField(min_value=1, max_value=60, default=12)
    rules_version = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="The code version to replay (as rules_version)."
    )
    parameters = serializers.DictField(
        child=serializers.ListField(child=serializers.DictField()),
        required=False,
        default=dict,
        help_text='Proposed rows by code: {"amount": [{"value": "52000.00", "valid_from": "2027-01-01"}]}',
    )


class DryRunSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    service = serializers.CharField()
    rules_version = serializers.CharField()
    months = serializers.IntegerField()
    cases = serializers.IntegerField()
    outcome_changed = serializers.IntegerField()
    amount_changed = serializers.IntegerField()
    unknown = serializers.IntegerField(help_text="Replays that lack a fact (no registry answer on record).")
    errors = serializers.IntegerField()
    sample = serializers.ListField(child=serializers.DictField())


@extend_schema(
    tags=TAGS,
    operation_id="rules_list",
    parameters=[OpenApiParameter("on", str, description="The date (YYYY-MM-DD) to show what is in force; today.")],
    responses={200: ServiceRulesSerializer(many=True), 400: ErrorSerializer},
)
@api_view(["GET"])
def rules_list(request):
    raw = request.query_params.get("on")
    try:
        on = date.fromisoformat(raw) if raw else clock.today()
    except ValueError:
        raise serializers.ValidationError({"on": "YYYY-MM-DD"}) from None
    return Response(ServiceRulesSerializer(selectors.rules_in_force(on=on), many=True).data)


@extend_schema(
    tags=TAGS,
    operation_id="rules_dry_run",
    request=DryRunInputSerializer,
    responses={201: DryRunSerializer, 400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer},
)
@api_view(["POST"])
def rules_dry_run(request, service: str):
    if not selectors.may_replay_rules(request.user):
        raise PermissionDenied()
    if service not in rules.SERVICES:
        raise NotFound()
    data = DryRunInputSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    try:
        run = services.dry_run_record(
            service=service,
            by=request.user,
            months=data.validated_data["months"],
            rules_version=data.validated_data["version"] or data.validated_data["rules_version"],
            proposal=data.validated_data["parameters"] or None,
        )
    except DjangoValidationError as e:
        raise serializers.ValidationError(e.message_dict) from None
    except (rules.RuleError, KeyError, ValueError, ArithmeticError) as e:
        raise serializers.ValidationError({"parameters": str(e)}) from None
    return Response(DryRunSerializer(run).data, status=201)


urlpatterns = [
    path("rules/", rules_list, name="rules-list"),
    path("rules/<slug:service>/dry-run/", rules_dry_run, name="rules-dry-run"),
]
