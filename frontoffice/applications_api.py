"""/api/v1/applications/ (issue 13): one application for several services, and the pre-screener's suggestions.

Thin, like ``frontoffice.api``: input parsed by serializers, the work done by ``frontoffice.applications``, domain
errors answered ``{"code", "detail"}`` with 400/409 by the kernel's handler, another community's application a 404.
"""

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.api.serializers import DocumentSerializer
from cases.files import PDF, file_response
from cases.models import Bundle, Case, DocumentType, ServiceType
from cases.selectors import applicant_get, application_get
from frontoffice import applications, pdf, prescreen, selectors
from frontoffice.api import ERROR, IDEMPOTENCY_KEY, INPUT_ERRORS, PDF_RESPONSE, FrontOfficeAPI, PDFRenderer, _key
from frontoffice.serializers import DocumentUploadSerializer

ERRORS = {400: INPUT_ERRORS, 404: OpenApiResponse(ERROR), 409: OpenApiResponse(ERROR)}


class ApplicationCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    service_type = serializers.CharField(source="service_type.code", help_text="The service's code.")
    status = serializers.ChoiceField(choices=Case.Status.choices)


class SubmittedCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="case.id")
    number = serializers.CharField(source="case.number")
    status = serializers.ChoiceField(source="case.status", choices=Case.Status.choices)


class ApplicationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.ChoiceField(
        choices=applications.Application.Status.choices,
        help_text="Derived from its cases: draft, partly_submitted, submitted.",
    )
    cases = ApplicationCaseSerializer(many=True)


class SubmitResultSerializer(serializers.Serializer):
    cases = SubmittedCaseSerializer(many=True)


class ApplicationCreateSerializer(serializers.Serializer):
    applicant = serializers.IntegerField(help_text="The applicant's id.")
    services = serializers.ListField(
        child=serializers.CharField(), required=False, default=list, help_text="Service codes the applicant chose."
    )
    bundle = serializers.CharField(
        required=False, allow_blank=True, help_text="A bundle code; without services, its default services."
    )
    role = serializers.ChoiceField(choices=Bundle.Role.choices, required=False, allow_blank=True)
    duplicate_reason = serializers.CharField(required=False, allow_blank=True, default="")
    front_office = serializers.CharField(required=False, allow_blank=True, default="")


class ServiceAddSerializer(serializers.Serializer):
    service = serializers.CharField(help_text="A service code.")
    duplicate_reason = serializers.CharField(required=False, allow_blank=True, default="")


class SuggestionSerializer(serializers.Serializer):
    service = serializers.CharField(source="service.code", help_text="The service's code.")
    reason = serializers.CharField()
    satisfied = serializers.IntegerField(help_text="Required checklist items already satisfied.")
    required = serializers.IntegerField(help_text="Required checklist items of the service.")


def _services(codes: list[str]) -> list[ServiceType]:
    found = {s.code: s for s in ServiceType.objects.filter(code__in=codes, active=True)}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise serializers.ValidationError({"services": [_("Unknown or inactive service: %s.") % ", ".join(unknown)]})
    return [found[c] for c in codes]


def _application_data(pk: int, user) -> dict:
    return ApplicationSerializer(application_get(user=user, pk=pk)).data


class ApplicationsView(FrontOfficeAPI, APIView):
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(
        summary="Open one application for several services",
        request=ApplicationCreateSerializer,
        responses={201: ApplicationSerializer, **ERRORS},
        description="400 `service_chosen_twice`, `bundle_not_allowed`; 409 `duplicate_open_case` when the person "
        "has an open case of a service and no `duplicate_reason`. Nothing is made when any is refused.",
    )
    def post(self, request):
        serializer = ApplicationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        bundle = None
        if data.get("bundle"):
            bundle = Bundle.objects.filter(code=data["bundle"]).first()
            if bundle is None:
                raise serializers.ValidationError({"bundle": [_("Unknown bundle.")]})
        application = applications.application_open(
            applicant=selectors.applicant_for_clerk(user=request.user, pk=data["applicant"]),
            front_office=selectors.clerk_front_office(user=request.user, code=data["front_office"]),
            services=_services(data["services"]),
            bundle=bundle,
            role=data.get("role") or "",
            by=request.user,
            duplicate_reason=data["duplicate_reason"],
        )
        return Response(_application_data(application.pk, request.user), status=status.HTTP_201_CREATED)


class ApplicationDocumentsView(FrontOfficeAPI, APIView):
    renderer_classes = [JSONRenderer]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="Scan a document once for every case of the application that needs it",
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={201: OpenApiResponse(description="The document, shared by the cases that need its type."), **ERRORS},
        description="400 `document_type_not_needed` when no case of the application needs the type.",
    )
    def post(self, request, pk):
        application = application_get(user=request.user, pk=pk)
        code = (request.data.get("document_type") or "").strip()
        document_type = DocumentType.objects.filter(code=code).first()
        if document_type is None:
            raise serializers.ValidationError({"document_type": [_("Unknown document type.")]})
        files = request.FILES.getlist("file")
        if not files:
            raise serializers.ValidationError({"file": [_("Attach at least one file.")]})
        document = applications.application_document_add(
            application=application, document_type=document_type, files=files, by=request.user
        )
        shared = [c.pk for c in applications.cases_needing(application, document_type)]
        body = {**DocumentSerializer(selectors.document_with_pages(pk=document.pk)).data, "cases": shared}
        return Response(body, status=status.HTTP_201_CREATED)


class ApplicationServicesView(FrontOfficeAPI, APIView):
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(
        summary="Add a service (a case) to the application",
        request=ServiceAddSerializer,
        responses={201: ApplicationSerializer, **ERRORS},
    )
    def post(self, request, pk):
        application = application_get(user=request.user, pk=pk)
        serializer = ServiceAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        (service,) = _services([serializer.validated_data["service"]])
        applications.application_add_service(
            application=application,
            service=service,
            by=request.user,
            duplicate_reason=serializer.validated_data["duplicate_reason"],
        )
        return Response(_application_data(application.pk, request.user), status=status.HTTP_201_CREATED)


class ApplicationSubmitView(FrontOfficeAPI, APIView):
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(
        summary="Submit every complete case of the application",
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: SubmitResultSerializer, **ERRORS},
        description="Each complete draft goes to its back office in its own transition; incomplete ones stay "
        "`draft` (their checklist is in GET /api/v1/cases/{id}/). A repeat with the same key submits nothing twice.",
    )
    def post(self, request, pk):
        application = application_get(user=request.user, pk=pk)
        results = applications.application_submit(
            application=application, by=request.user, idempotency_key=_key(request)
        )
        return Response(SubmitResultSerializer({"cases": results}).data)


class ApplicationReceiptView(FrontOfficeAPI, APIView):
    renderer_classes = [JSONRenderer, PDFRenderer]

    @extend_schema(summary="One receipt for every case of the application (PDF)", responses=PDF_RESPONSE)
    def get(self, request, pk):
        application = application_get(user=request.user, pk=pk)
        content = pdf.application_receipt_pdf(application)
        return file_response(content_type=PDF, content=content, filename=f"receipt-{application.number}.pdf")


class SuggestionsView(FrontOfficeAPI, APIView):
    renderer_classes = [JSONRenderer]

    @extend_schema(
        summary="Services the applicant probably qualifies for (the pre-screener)",
        responses={200: SuggestionSerializer(many=True), 404: OpenApiResponse(ERROR)},
    )
    def get(self, request, pk):
        applicant = applicant_get(user=request.user, pk=pk)
        return Response(SuggestionSerializer(prescreen.suggestions_for(applicant), many=True).data)


urlpatterns = [
    path("applications/", ApplicationsView.as_view(), name="application-list"),
    path("applications/<int:pk>/documents/", ApplicationDocumentsView.as_view(), name="application-documents"),
    path("applications/<int:pk>/services/", ApplicationServicesView.as_view(), name="application-services"),
    path("applications/<int:pk>/submit/", ApplicationSubmitView.as_view(), name="application-submit"),
    path("applications/<int:pk>/receipt/", ApplicationReceiptView.as_view(), name="application-receipt"),
    path("applicants/<int:pk>/suggestions/", SuggestionsView.as_view(), name="applicant-suggestions"),
]
