"""The front office's API under /api/v1/: applicants, cases and the clerk's actions on them.

Thin: each view parses input with a serializer, calls the same service the web UI calls, and answers with the
kernel's serializers. Domain errors become ``{"code", "detail"}`` with 409 (state, role) or 400 (input) through the
kernel's exception handler. Back-office actions on cases (claim, decide, ...) are routed in ``backoffice.api``.
"""

import datetime
from urllib.parse import urlencode

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.urls import include, path, reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from cases.api.params import id_parameter, query_id
from cases.api.serializers import ApplicantSerializer, DocumentSerializer, ErrorSerializer
from cases.files import PDF, file_response
from cases.lifecycle import CASES, Action
from cases.models import DocumentType, ServiceType
from cases.selectors import applicant_get, case_get
from cases.services import APPLICANT_EXISTS, idempotency_key_clean
from cases.validators import passport_kind_for, passport_number_normalised
from frontoffice import pdf, selectors, services
from frontoffice.serializers import (
    ApplicantCreateSerializer,
    CaseCreateSerializer,
    DocumentUploadSerializer,
    FrontCaseDetailSerializer,
    FrontCaseSerializer,
    NoteSerializer,
    ReasonSerializer,
)

ERROR = ErrorSerializer
INPUT_ERRORS = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description='Field errors `{"field": ["message"]}`, or `{"code", "detail"}` for a refused file or request.',
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Any unique string (a UUID). Repeating a request with the same key returns the first result and "
    "never submits twice.",
)
PDF_RESPONSE = {
    (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="A printable PDF."),
    404: OpenApiResponse(ERROR),
    409: OpenApiResponse(ERROR, description="Not available in the case's current state."),
}


class PDFRenderer(BaseRenderer):
    """Lets clients ask for ``Accept: application/pdf``; error bodies still come out as JSON text."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        response = (renderer_context or {}).get("response")
        if response is not None:  # an error body: JSON, and labelled so
            response["Content-Type"] = "application/json"
        return JSONRenderer().render(data)


class FrontOfficeAPI:
    """Ids that are not numbers are 404s, and a selector's 404 speaks the API's ``{"code", "detail"}``."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        pk = kwargs.get("pk")
        if pk is not None and not str(pk).isdigit():
            raise exceptions.NotFound()

    def handle_exception(self, exc):
        return super().handle_exception(exceptions.NotFound() if isinstance(exc, Http404) else exc)


def _query_date(params, name: str):
    """``?name=YYYY-MM-DD`` as a date, None when absent; anything else is a 400 naming the parameter."""
    values = params.getlist(name)
    if not values:
        return None
    raw = values[0] if len(values) == 1 else ""
    try:
        if len(raw) != 10 or not raw.isascii():
            raise ValueError(raw)
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise serializers.ValidationError({name: [_("A date is written YYYY-MM-DD.")]}) from None


class ApplicantConflictSerializer(ErrorSerializer):
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="applicant_exists, identity_conflict: messages per field, as in a 400.",
    )
    existing = serializers.CharField(
        required=False, help_text="applicant_exists: the exact lookup that finds the person on file."
    )


@extend_schema_view(
    list=extend_schema(
        summary="Find applicants",
        parameters=[
            OpenApiParameter("rnokpp", description="Exact RNOKPP (found across the country)."),
            OpenApiParameter("passport_number", description="Exact passport or ID-card number (across the country)."),
            OpenApiParameter("last_name", description="Last name (case-insensitive), with first name / birth date."),
            OpenApiParameter("first_name"),
            OpenApiParameter("birth_date", OpenApiTypes.DATE),
        ],
    ),
    retrieve=extend_schema(summary="One applicant", responses={200: ApplicantSerializer, 404: OpenApiResponse(ERROR)}),
)
class ApplicantViewSet(FrontOfficeAPI, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Applicants the user may see; exact RNOKPP or document-number lookups reach the whole country."""

    serializer_class = ApplicantSerializer

    def get_queryset(self):
        params = self.request.query_params
        if self.action == "list":
            return selectors.applicant_search(
                user=self.request.user,
                rnokpp=params.get("rnokpp", ""),
                passport_number=params.get("passport_number", ""),
                last_name=params.get("last_name", ""),
                first_name=params.get("first_name", ""),
                birth_date=_query_date(params, "birth_date"),
            ).order_by("last_name", "first_name", "pk")
        return selectors.applicant_visible(user=self.request.user)

    # JSON only: `rnokpp` and `birth_date` take null, which a form cannot send.
    parser_classes = [JSONParser]

    def retrieve(self, request, pk=None):
        return Response(ApplicantSerializer(applicant_get(user=request.user, pk=pk)).data)

    @extend_schema(
        summary="Register an applicant",
        request=ApplicantCreateSerializer,
        responses={
            201: ApplicantSerializer,
            400: OpenApiResponse(description="Field errors: {field: [messages]} (a value of the wrong shape)."),
            409: OpenApiResponse(
                ApplicantConflictSerializer,
                description="`applicant_exists`: a person with this RNOKPP or document is on file (`existing` finds "
                "them); `identity_conflict`: the values do not agree (the RNOKPP's check digit or date of birth, the "
                "UNZR's date, the document kind and the number, a date of birth in the future); `not_permitted`: "
                "not a clerk of an office.",
            ),
        },
    )
    def create(self, request):
        serializer = ApplicantCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        front_office = selectors.clerk_front_office(user=request.user, code=data.pop("front_office", ""))
        try:
            applicant = services.applicant_register(by=request.user, front_office=front_office, data=data)
        except DjangoValidationError as e:
            conflict = _identity_conflict(e, data)
            if conflict is None:
                raise
            return Response(conflict, status=status.HTTP_409_CONFLICT)
        return Response(ApplicantSerializer(applicant).data, status=status.HTTP_201_CREATED)


# Errors of values that are each well formed but disagree with another value, today's date or a person on file.
DISAGREEING = {"rnokpp_checksum", "rnokpp_birth_date", "unzr_birth_date", "passport_kind_mismatch", "birth_date_future"}


def _identity_conflict(error: DjangoValidationError, data: dict) -> dict | None:
    """The body of a 409 when every refusal is a disagreement between well-formed values (or a person already on
    file), else None: a value of the wrong shape stays a 400 with field errors."""
    if not hasattr(error, "error_dict"):
        return None
    found = {field: list(errors) for field, errors in error.error_dict.items()}
    number = passport_number_normalised(data.get("passport_number") or "")
    shape = passport_kind_for(number)

    def disagrees(field: str, e: DjangoValidationError) -> bool:
        if e.code in DISAGREEING or e.code == APPLICANT_EXISTS:
            return True
        if field == "passport_number" and e.code in ("passport_booklet_format", "id_card_format"):
            return bool(shape) and shape != data.get("passport_kind")  # the number is the other document's
        # No date of birth, and the RNOKPP it would come from disagrees with itself.
        return field == "birth_date" and e.code in ("blank", "null", "required") and "rnokpp" in found

    if not all(disagrees(field, e) for field, errors in found.items() for e in errors):
        return None
    messages = {field: [str(m) for e in errors for m in e.messages] for field, errors in found.items()}
    taken = [(field, e) for field, errors in found.items() for e in errors if e.code == APPLICANT_EXISTS]
    if taken:
        field, e = taken[0]
        lookup = "rnokpp" if field == "rnokpp" else "passport_number"
        return {
            "code": APPLICANT_EXISTS,
            "detail": messages[field][0],
            "errors": messages,
            "existing": f"{reverse('applicant-list')}?{urlencode({lookup: e.params['identifier']})}",
        }
    return {
        "code": "identity_conflict",
        "detail": _("The person's data do not agree with each other: see the fields."),
        "errors": messages,
    }


CASE_ERRORS = {400: INPUT_ERRORS, 404: OpenApiResponse(ERROR), 409: OpenApiResponse(ERROR)}


@extend_schema_view(
    list=extend_schema(
        summary="Cases the user may see",
        responses={200: FrontCaseSerializer(many=True), 400: INPUT_ERRORS},
        parameters=[
            OpenApiParameter("status", description="Status code, e.g. draft, submitted, needs_info."),
            OpenApiParameter("service_type", description="Service code."),
            OpenApiParameter("number", description="Part of the case number."),
            id_parameter("applicant", description="Applicant id."),
            id_parameter("front_office", description="Front office id."),
        ],
    ),
    retrieve=extend_schema(
        summary="A case with its documents, pages, checklist and timeline",
        responses={200: FrontCaseDetailSerializer, 404: OpenApiResponse(ERROR)},
    ),
)
class CaseViewSet(FrontOfficeAPI, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Cases and the front office's actions on them."""

    serializer_class = FrontCaseSerializer
    renderer_classes = [JSONRenderer]

    def get_queryset(self):
        user = self.request.user
        if self.action == "list":
            params = self.request.query_params
            filters = {k: params.get(k) for k in ("status", "service_type", "number")}
            filters.update({name: query_id(self.request, name) for name in ("applicant", "front_office")})
            return selectors.clerk_case_list_api(user=user, filters=filters)
        return selectors.case_detail_for_api(user=user)

    def get_serializer_class(self):
        return FrontCaseSerializer if self.action == "list" else FrontCaseDetailSerializer

    def _detail(self, pk) -> Response:
        case = selectors.case_detail_for_api(user=self.request.user).get(pk=pk)
        return Response(FrontCaseDetailSerializer(case, context={"request": self.request}).data)

    @extend_schema(
        summary="Open a draft case",
        request=CaseCreateSerializer,
        responses={201: FrontCaseDetailSerializer, **CASE_ERRORS},
        description="409 `duplicate_open_case` (with `existing` case numbers) when the applicant already has an "
        "open case of the service and no `duplicate_reason` is given.",
    )
    def create(self, request):
        serializer = CaseCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        applicant = selectors.applicant_for_clerk(
            user=request.user, pk=data["applicant"], identifier=data.get("identifier", "")
        )
        service_type = ServiceType.objects.filter(code=data["service_type"], active=True).first()
        if service_type is None:
            raise serializers.ValidationError({"service_type": [_("Unknown or inactive service.")]})
        case = services.case_open(
            applicant=applicant,
            service_type=service_type,
            front_office=selectors.clerk_front_office(user=request.user, code=data.get("front_office", "")),
            by=request.user,
            channel=data.get("channel") or "in_person",
            duplicate_reason=data.get("duplicate_reason", ""),
        )
        response = self._detail(case.pk)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(
        summary="Upload a document (one or more files, its pages)",
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={201: DocumentSerializer, **CASE_ERRORS},
        description="Every file is checked by its content before anything is stored; a refused file refuses the "
        "whole request (400 `file_rejected` / `duplicate_file`, nothing kept). Pages are processed in the "
        "background: poll the case until every page is `ready`.",
    )
    @action(detail=True, methods=["post"], url_path="documents", parser_classes=[MultiPartParser, FormParser])
    def documents(self, request, pk=None):
        case = selectors.case_for_write(user=request.user, pk=pk)
        code = (request.data.get("document_type") or "").strip()
        document_type = None
        if code:
            document_type = DocumentType.objects.filter(code=code).first()
            if document_type is None:
                raise serializers.ValidationError({"document_type": [_("Unknown document type.")]})
        files = request.FILES.getlist("file")
        if not files:
            raise serializers.ValidationError({"file": [_("Attach at least one file.")]})
        document = services.document_add(case=case, document_type=document_type, files=files, by=request.user)
        document = selectors.document_with_pages(pk=document.pk)
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Submit the package to the back office",
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: FrontCaseDetailSerializer, **CASE_ERRORS},
        description="409 `checklist_incomplete` (with `missing` checklist item ids) or `pages_not_ready`; "
        "409 `transition_not_allowed` outside draft. A repeat (same key, or the case already submitted) "
        "returns the case and changes nothing.",
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, FormParser, MultiPartParser])
    def submit(self, request, pk=None):
        case = case_get(user=request.user, pk=pk)
        case = services.case_submit(case=case, by=request.user, idempotency_key=_key(request))
        return self._detail(case.pk)

    @extend_schema(
        summary="Resubmit after the back office asked for more",
        request=NoteSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: FrontCaseDetailSerializer, **CASE_ERRORS},
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, FormParser, MultiPartParser])
    def resubmit(self, request, pk=None):
        serializer = NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        case = case_get(user=request.user, pk=pk)
        case = services.case_resubmit(
            case=case, by=request.user, note=serializer.validated_data["note"], idempotency_key=_key(request)
        )
        return self._detail(case.pk)

    @extend_schema(
        summary="Withdraw the application",
        request=ReasonSerializer,
        responses={200: FrontCaseDetailSerializer, **CASE_ERRORS},
        description='400 with `{"reason": [...]}` when no reason is given.',
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, FormParser, MultiPartParser])
    def withdraw(self, request, pk=None):
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        case = case_get(user=request.user, pk=pk)
        services.case_withdraw(case=case, by=request.user, reason=serializer.validated_data["reason"])
        return self._detail(case.pk)

    @extend_schema(
        summary="Record that the applicant received the decision (closes the case)",
        request=None,
        responses={200: FrontCaseDetailSerializer, **CASE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="hand-over", parser_classes=[JSONParser, FormParser])
    def hand_over(self, request, pk=None):
        case = case_get(user=request.user, pk=pk)
        services.case_hand_over(case=case, by=request.user)
        return self._detail(case.pk)

    @extend_schema(summary="The applicant's receipt (PDF)", responses=PDF_RESPONSE)
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, PDFRenderer])
    def receipt(self, request, pk=None):
        case = selectors.case_page_get(user=request.user, pk=pk)
        CASES.require(case, Action.PRINT_RECEIPT, by=request.user)
        return file_response(content_type=PDF, content=pdf.receipt_pdf(case), filename=f"receipt-{case.number}.pdf")

    @extend_schema(summary="The decision notice (PDF)", responses=PDF_RESPONSE)
    @action(detail=True, methods=["get"], url_path="decision-notice", renderer_classes=[JSONRenderer, PDFRenderer])
    def decision_notice(self, request, pk=None):
        case = selectors.case_page_get(user=request.user, pk=pk)
        CASES.require(case, Action.PRINT_NOTICE, by=request.user)
        return file_response(
            content_type=PDF, content=pdf.decision_notice_pdf(case), filename=f"decision-{case.number}.pdf"
        )


def _key(request) -> str | None:
    return idempotency_key_clean(request.headers.get("Idempotency-Key"))


router = SimpleRouter()
router.register("applicants", ApplicantViewSet, basename="applicant")
router.register("cases", CaseViewSet, basename="case")
urlpatterns = [
    *router.urls,
    path("", include("frontoffice.batches.api")),
    path("", include("frontoffice.applications_api")),  # one application for several services (issue 13)
]
