"""API shapes for fees. Money is a decimal string (``"20.00"``), never a float; a month is ``"YYYY-MM"``."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers

from cases.api.serializers import ErrorSerializer
from cases.models import ServiceType
from payments.models import Accrual, ContestedIntake, FeeRate, Statement
from payments.services.statements import available_actions


class Money(serializers.DecimalField):
    """Money as a decimal string both ways (COERCE_DECIMAL_TO_STRING renders it so): a JSON number is refused, as
    the schema says, because a float cannot carry kopiykas exactly."""

    default_error_messages = {"not_a_string": _('Write the amount as a string, e.g. "20.00".')}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


class MonthField(serializers.DateField):
    """A month as ``YYYY-MM`` (stored as its first day)."""

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m", input_formats=["%Y-%m"], **kwargs)


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="Row number in the file (the header is row 1; 0: the whole file).")
    column = serializers.CharField()
    message = serializers.CharField()


class ReconcileErrorSerializer(ErrorSerializer):
    errors = RowErrorSerializer(many=True)


class ServiceCodeField(serializers.SlugRelatedField):
    """A service by its code. A code that names no service is a 404 (the object is not there), as an unknown id
    in a body is elsewhere in the API: the schema cannot list the codes, so such a request is well formed."""

    def run_validation(self, data=serializers.empty):
        if data == "":  # DRF reads "" as null for a relation; null is the way to say "all services"
            raise serializers.ValidationError(_("Give a service code, or null for the general rate."), code="blank")
        return super().run_validation(data)

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as e:
            if e.get_codes() == ["does_not_exist"]:
                raise exceptions.NotFound(_("No service has this code.")) from None
            raise


class FeeRateSerializer(serializers.ModelSerializer):
    amount = Money(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    service_type = ServiceCodeField(
        slug_field="code",
        queryset=ServiceType.objects.all(),
        allow_null=True,
        required=False,
        help_text="Service code; null: the general rate for all services.",
    )
    valid_to = serializers.DateField(allow_null=True, required=False, help_text="Inclusive; null: open-ended.")

    class Meta:
        model = FeeRate
        fields = ["id", "amount", "currency", "service_type", "valid_from", "valid_to", "created_at"]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {"currency": {"required": False}}


class FeeRateEndSerializer(serializers.Serializer):
    valid_to = serializers.DateField(help_text="The last day the rate is in force.")


class AccrualSerializer(serializers.ModelSerializer):
    case = serializers.IntegerField(source="case_id", read_only=True)
    case_number = serializers.CharField(source="case.number", read_only=True)
    community = serializers.IntegerField(source="community_id", read_only=True)
    community_code = serializers.CharField(source="community.katottg", read_only=True)
    amount = Money(max_digits=12, decimal_places=2, read_only=True)
    period = MonthField(read_only=True, help_text="The month the line is filed under (its statement's).")
    reverses = serializers.IntegerField(source="reverses_id", read_only=True, allow_null=True)

    class Meta:
        model = Accrual
        fields = [
            "id",
            "case",
            "case_number",
            "community",
            "community_code",
            "amount",
            "period",
            "kind",
            "accepted_on",
            "reverses",
            "reason",
            "created_at",
        ]
        read_only_fields = fields


class ReverseSerializer(serializers.Serializer):
    reason = serializers.CharField()


class ContestedIntakeSerializer(serializers.ModelSerializer):
    counted_on = serializers.IntegerField(source="counted_on_id", read_only=True, allow_null=True)

    class Meta:
        model = ContestedIntake
        fields = ["case_number", "finding", "counted_on"]
        read_only_fields = fields


class StatementSerializer(serializers.ModelSerializer):
    community = serializers.IntegerField(source="community_id", read_only=True)
    community_code = serializers.CharField(source="community.katottg", read_only=True)
    community_name = serializers.CharField(source="community.name", read_only=True)
    period = MonthField(read_only=True)
    amount = Money(max_digits=14, decimal_places=2, read_only=True)
    paid_amount = Money(max_digits=14, decimal_places=2, read_only=True, allow_null=True)
    issued_by_job = serializers.SerializerMethodField(help_text="Issued by the month-end job rather than a person.")
    contested = ContestedIntakeSerializer(many=True, read_only=True)
    actions = serializers.SerializerMethodField(help_text="What the requesting user may do with it now.")

    class Meta:
        model = Statement
        fields = [
            "id",
            "community",
            "community_code",
            "community_name",
            "period",
            "status",
            "count",
            "amount",
            "issued_at",
            "issued_by_job",
            "confirmed_at",
            "disputed_at",
            "claimed_count",
            "dispute_comment",
            "contested",
            "approved_at",
            "approved_over_budget",
            "approval_note",
            "paid_at",
            "payment_reference",
            "paid_on",
            "paid_amount",
            "actions",
        ]
        read_only_fields = fields

    def get_issued_by_job(self, statement) -> bool:
        return statement.issued_at is not None and statement.issued_by_id is None

    def get_actions(self, statement) -> list[str]:
        return available_actions(statement, self.context["request"].user)


class DisputeSerializer(serializers.Serializer):
    claimed_count = serializers.IntegerField(min_value=0, help_text="The number of intakes the community counted.")
    comment = serializers.CharField()
    contested = serializers.ListField(
        child=serializers.CharField(max_length=40),
        required=False,
        default=list,
        max_length=100,
        help_text="Numbers of intakes the community says were not counted.",
    )


class ApproveSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")
    acknowledge_over_budget = serializers.BooleanField(
        required=False, default=False, help_text="Approve even though the year's budget would be exceeded."
    )


class PaySerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=100, help_text="The treasury's payment reference.")
    paid_on = serializers.DateField()
    amount = Money(max_digits=14, decimal_places=2, help_text="Must equal the statement's amount.")


class ReconcileUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The exported statements file (CSV or XLSX) with payments filled in.")


class ReconcileResultSerializer(serializers.Serializer):
    applied = serializers.ListField(child=serializers.IntegerField(), help_text="Ids of the statements paid.")
    already_paid = serializers.IntegerField()
    skipped = serializers.IntegerField(help_text="Rows without a reference.")


class BudgetSetSerializer(serializers.Serializer):
    """What ``POST budgets/`` takes: a year and its amount (never null: a set budget is only changed)."""

    year = serializers.IntegerField(min_value=2000, max_value=2100)
    amount = Money(max_digits=16, decimal_places=2, min_value=Decimal("0"))


class BudgetSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    amount = Money(max_digits=16, decimal_places=2, min_value=Decimal("0"), source="budget", allow_null=True)
    accrued = Money(max_digits=16, decimal_places=2, read_only=True)
    approved = Money(max_digits=16, decimal_places=2, read_only=True)
    paid = Money(max_digits=16, decimal_places=2, read_only=True)
    remaining = Money(max_digits=16, decimal_places=2, read_only=True, allow_null=True)
