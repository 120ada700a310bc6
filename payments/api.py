"""The ministry's API under /api/v1/: fee rates, accruals, statements (with their actions, export and the
reconciliation upload), budgets. Thin: input through serializers, reads through selectors, writes through services.

Only ministry staff and community supervisors reach it (others: 403); a supervisor sees only their community's
accruals and statements (others: 404). Nothing here carries an applicant's personal data."""

import re

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiRequest, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from cases.exceptions import InvalidInput
from cases.files import file_response
from payments import exports, selectors
from payments.models import FeeRate, Statement
from payments.selectors import budget_figures
from payments.serializers import (
    AccrualSerializer,
    ApproveSerializer,
    BudgetSerializer,
    BudgetSetSerializer,
    DisputeSerializer,
    ErrorSerializer,
    FeeRateEndSerializer,
    FeeRateSerializer,
    PaySerializer,
    ReconcileErrorSerializer,
    ReconcileResultSerializer,
    ReconcileUploadSerializer,
    ReverseSerializer,
    StatementSerializer,
)
from payments.services.budget import budget_set
from payments.services.ledger import accrual_reverse
from payments.services.periods import parse_period
from payments.services.rates import fee_rate_create, fee_rate_end
from payments.services.reconcile import statements_reconcile
from payments.services.statements import (
    statement_approve,
    statement_confirm,
    statement_dispute,
    statement_issue,
    statement_pay,
)

REFUSED = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input"),
    404: OpenApiResponse(ErrorSerializer, description="Not found (or not yours)"),
    409: OpenApiResponse(ErrorSerializer, description="Not allowed now: state, role or separation of duties"),
}


class PaymentsUser(permissions.BasePermission):
    """Ministry staff and community supervisors."""

    def has_permission(self, request, view) -> bool:
        return selectors.can_see_payments(request.user)


PERIOD = {"type": "string", "pattern": r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])$", "example": "2026-11"}


def _month(request, name: str = "period"):
    """``?period=YYYY-MM`` as the month's first day; absent is None, anything else but a month is a 400."""
    values = request.query_params.getlist(name)
    if not values:
        return None
    if len(values) > 1 or not re.fullmatch(PERIOD["pattern"].strip("^$"), values[0]):
        raise InvalidInput(_("A month is written YYYY-MM, e.g. 2026-03."), field=name)
    return parse_period(values[0])


@extend_schema_view(
    list=extend_schema(summary="Fee rates", tags=["fees"]),
    retrieve=extend_schema(summary="A fee rate", tags=["fees"]),
    create=extend_schema(
        summary="Add a fee rate (ministry)", tags=["fees"], responses={201: FeeRateSerializer, **REFUSED}
    ),
)
class FeeRateViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Fee per intake over a period, for one service or (``service_type`` null) all. Periods of one scope never
    overlap; a rate is never edited, only ended."""

    serializer_class = FeeRateSerializer
    permission_classes = [permissions.IsAuthenticated, PaymentsUser]
    lookup_value_regex = r"\d+"
    # JSON only for a new rate: `service_type` and `valid_to` take null, which a form cannot send.
    parser_classes = [JSONParser]

    def get_queryset(self):
        return selectors.fee_rate_list()

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = fee_rate_create(
            by=self.request.user,
            amount=data["amount"],
            valid_from=data["valid_from"],
            valid_to=data.get("valid_to"),
            service_type=data.get("service_type"),
            currency=data.get("currency") or "UAH",
        )

    @extend_schema(
        summary="End a rate on a day",
        tags=["fees"],
        request=FeeRateEndSerializer,
        responses={200: FeeRateSerializer, **REFUSED},
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, FormParser, MultiPartParser])
    def end(self, request, pk=None):  # `valid_to` is never null: a form carries it as well
        rate = get_object_or_404(FeeRate, pk=pk)
        body = FeeRateEndSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rate = fee_rate_end(rate=rate, valid_to=body.validated_data["valid_to"], by=request.user)
        return Response(FeeRateSerializer(rate).data)


@extend_schema_view(
    list=extend_schema(
        summary="Ledger lines (accruals and reversals)",
        tags=["fees"],
        parameters=[
            OpenApiParameter("case", str, description="Case id or number"),
            OpenApiParameter("community", str, description="Community id or KATOTTG code"),
            OpenApiParameter("period", PERIOD, description="Month, YYYY-MM"),
        ],
    ),
    retrieve=extend_schema(summary="A ledger line", tags=["fees"]),
)
class AccrualViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The append-only ledger: one ``accrual`` per billable intake, corrections as ``reversal`` lines."""

    serializer_class = AccrualSerializer
    permission_classes = [permissions.IsAuthenticated, PaymentsUser]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        params = self.request.query_params
        return selectors.accrual_list(
            user=self.request.user,
            case=params.get("case"),
            community=params.get("community"),
            period=_month(self.request),
        )

    @extend_schema(
        summary="Reverse an accrual (ministry)",
        tags=["fees"],
        request=ReverseSerializer,
        responses={201: AccrualSerializer, **REFUSED},
    )
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        accrual = selectors.accrual_get(user=request.user, pk=pk)
        body = ReverseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reversal = accrual_reverse(accrual=accrual, by=request.user, reason=body.validated_data["reason"])
        return Response(AccrualSerializer(reversal).data, status=status.HTTP_201_CREATED)


STATEMENT_FILTERS = [
    OpenApiParameter("period", PERIOD, description="Month, YYYY-MM"),
    OpenApiParameter("community", str, description="Community id or KATOTTG code"),
    OpenApiParameter("status", str, enum=Statement.Status.values),
]
EXPORT_PARAMETERS = [
    OpenApiParameter("period", PERIOD, required=True, description="Month, YYYY-MM"),
    OpenApiParameter("format", str, enum=["csv", "xlsx"], description="csv (default) or xlsx"),
]


@extend_schema_view(
    list=extend_schema(summary="Monthly statements", tags=["fees"], parameters=STATEMENT_FILTERS),
    retrieve=extend_schema(summary="A statement", tags=["fees"]),
)
class StatementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """What the ministry owes a community for a month: open -> issued -> confirmed | disputed -> approved -> paid."""

    serializer_class = StatementSerializer
    permission_classes = [permissions.IsAuthenticated, PaymentsUser]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        params = self.request.query_params
        community = params.get("community")
        status_ = params.get("status")
        if status_ and status_ not in Statement.Status.values:
            raise InvalidInput(field="status")
        statements = selectors.statement_list(user=self.request.user, period=_month(self.request), status=status_)
        if community:
            key = "community_id" if community.isdigit() else "community__katottg"
            statements = statements.filter(**{key: community})
        return statements.prefetch_related("contested")

    def get_object(self):
        return selectors.statement_get(user=self.request.user, pk=self.kwargs["pk"])

    def perform_content_negotiation(self, request, force=False):
        # ``?format=csv|xlsx`` names the export's file type, not a renderer; the export answers with a file.
        if getattr(self, "action", None) == "export" or "export" in (getattr(self, "action_map", None) or {}).values():
            return (JSONRenderer(), JSONRenderer.media_type)
        return super().perform_content_negotiation(request, force)

    def _done(self, statement: Statement) -> Response:
        statement = selectors.statement_get(user=self.request.user, pk=statement.pk)
        return Response(StatementSerializer(statement, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Issue (ministry; after the month)",
        tags=["fees"],
        request=None,
        responses={200: StatementSerializer, **REFUSED},
    )
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        return self._done(statement_issue(statement=self.get_object(), by=request.user))

    @extend_schema(
        summary="Confirm (community supervisor)",
        tags=["fees"],
        request=None,
        responses={200: StatementSerializer, **REFUSED},
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        return self._done(statement_confirm(statement=self.get_object(), by=request.user))

    @extend_schema(
        summary="Dispute (community supervisor)",
        tags=["fees"],
        request=DisputeSerializer,
        responses={200: StatementSerializer, **REFUSED},
    )
    @action(detail=True, methods=["post"])
    def dispute(self, request, pk=None):
        statement = self.get_object()
        body = DisputeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._done(statement_dispute(statement=statement, by=request.user, **body.validated_data))

    @extend_schema(
        summary="Approve (ministry; not the issuer)",
        tags=["fees"],
        request=ApproveSerializer,
        responses={200: StatementSerializer, **REFUSED},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        statement = self.get_object()
        body = ApproveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._done(statement_approve(statement=statement, by=request.user, **body.validated_data))

    @extend_schema(
        summary="Record the payment (ministry; not the issuer)",
        tags=["fees"],
        request=PaySerializer,
        responses={200: StatementSerializer, **REFUSED},
    )
    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        statement = self.get_object()
        body = PaySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._done(statement_pay(statement=statement, by=request.user, **body.validated_data))

    @extend_schema(
        summary="Export a month's statements (CSV or XLSX)",
        tags=["fees"],
        parameters=EXPORT_PARAMETERS,
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, exports.XLSX): OpenApiTypes.BINARY,
            400: OpenApiResponse(ErrorSerializer, description="Invalid input"),
        },
    )
    @action(detail=False, methods=["get"])
    def export(self, request):
        period = _month(request)
        if period is None:
            raise InvalidInput(_("Give the month, YYYY-MM."), field="period")
        fmt = request.query_params.get("format") or "csv"
        if fmt not in exports.CONTENT_TYPES:
            raise InvalidInput(field="format")
        rows = exports.statement_rows(selectors.statement_list(user=request.user, period=period))
        return file_response(
            content=exports.render(rows, fmt, title=f"{period:%Y-%m}"),
            content_type=exports.CONTENT_TYPES[fmt],
            filename=exports.filename("statements", period, fmt),
            inline=False,
        )

    @extend_schema(
        summary="Re-import the export with payments filled in (ministry)",
        tags=["fees"],
        request={
            "multipart/form-data": OpenApiRequest(
                ReconcileUploadSerializer,
                encoding={"file": {"contentType": f"text/csv, {exports.CONTENT_TYPES['xlsx']}"}},
            )
        },
        responses={200: ReconcileResultSerializer, 400: ReconcileErrorSerializer, 409: ErrorSerializer},
    )
    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def reconcile(self, request):
        result = statements_reconcile(by=request.user, upload=request.FILES.get("file"))
        return Response(ReconcileResultSerializer(result).data)


@extend_schema_view(
    list=extend_schema(summary="Budgets per year, with accrued, approved and paid", tags=["fees"]),
    create=extend_schema(
        summary="Set a year's budget (ministry)",
        tags=["fees"],
        request=BudgetSetSerializer,
        responses={200: BudgetSerializer, **REFUSED},
    ),
)
class BudgetViewSet(viewsets.GenericViewSet):
    serializer_class = BudgetSerializer
    permission_classes = [permissions.IsAuthenticated, PaymentsUser]
    pagination_class = None
    parser_classes = [JSONParser]  # a form would send the amount's null and a number alike as text

    def get_queryset(self):  # for the schema; the figures are computed
        return FeeRate.objects.none()

    def list(self, request):
        return Response(BudgetSerializer(selectors.budget_list(), many=True).data)

    def create(self, request):
        body = BudgetSetSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        year = body.validated_data["year"]
        budget_set(year=year, amount=body.validated_data["amount"], by=request.user)
        return Response(BudgetSerializer(budget_figures(year=year)).data)


router = SimpleRouter()
router.register("fee-rates", FeeRateViewSet, basename="fee-rate")
router.register("accruals", AccrualViewSet, basename="accrual")
router.register("statements", StatementViewSet, basename="statement")
router.register("budgets", BudgetViewSet, basename="budget")

urlpatterns = router.urls
