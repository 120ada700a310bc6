"""Batch scanning's API (docs/api-batches.md): thin views over the same services and selectors as the pages."""

from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import api_view, parser_classes, renderer_classes
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from cases import selectors as case_selectors
from cases.access import access_for
from cases.api.pagination import PageNumberPagination, page_parameters, paginated
from cases.exceptions import InvalidInput
from cases.files import PDF, file_response
from cases.models import DocumentType, FrontOffice
from frontoffice.batches import selectors, sheets
from frontoffice.batches.services.assignment import batch_pages_assign, batch_pages_discard
from frontoffice.batches.services.create import batch_create, batch_retry
from frontoffice.models import ScanBatch, ScanBatchPage

# --- Serializers --------------------------------------------------------------------------------------------------


class CaseRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()


class DocumentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    document_type = serializers.CharField(allow_null=True, help_text="Document type code; null: unsorted.")


class ScanBatchPageSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(
        choices=ScanBatchPage.Kind.choices, allow_blank=True, help_text="Empty until the page is read."
    )
    reason = serializers.ChoiceField(
        choices=ScanBatchPage.Reason.choices, allow_blank=True, help_text="Why an unrouted page stayed in the batch."
    )
    reason_text = serializers.SerializerMethodField()
    barcodes = serializers.SerializerMethodField()
    case = serializers.SerializerMethodField()
    document = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = ScanBatchPage
        fields = [
            "number",
            "kind",
            "status",
            "case_number",
            "case",
            "document",
            "reason",
            "reason_text",
            "detail",
            "barcodes",
            "part",
            "group",
            "thumbnail_url",
        ]

    def get_reason_text(self, page) -> str:
        return str(page.get_reason_display()) if page.reason else ""

    def get_barcodes(self, page) -> list[str]:
        return [line for line in page.barcodes.splitlines() if line]

    @extend_schema_field(CaseRefSerializer(allow_null=True))
    def get_case(self, page):
        if not page.is_routed or page.case is None:
            return None
        return {"id": page.case_id, "number": page.case.number}

    @extend_schema_field(DocumentRefSerializer(allow_null=True))
    def get_document(self, page):
        if page.document is None:
            return None
        document_type = page.document.document_type
        return {"id": page.document_id, "document_type": document_type.code if document_type else None}

    def get_thumbnail_url(self, page) -> str | None:
        if not page.thumbnail:
            return None
        return reverse("frontoffice:batch-page-thumbnail", args=[page.batch_id, page.number])


class ScanBatchSerializer(serializers.ModelSerializer):
    routed_count = serializers.IntegerField(read_only=True)
    unrouted_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = ScanBatch
        fields = [
            "id",
            "status",
            "source",
            "name",
            "front_office",
            "page_count",
            "pages_read",
            "routed_count",
            "unrouted_count",
            "failure_reason",
            "created_at",
            "finished_at",
        ]


class ScanBatchDetailSerializer(ScanBatchSerializer):
    pages = serializers.SerializerMethodField()

    class Meta(ScanBatchSerializer.Meta):
        fields = [*ScanBatchSerializer.Meta.fields, "pages"]

    @extend_schema_field(ScanBatchPageSerializer(many=True))
    def get_pages(self, batch):
        return ScanBatchPageSerializer(selectors.scan_batch_pages(batch=batch), many=True).data


class ScanBatchCreateSerializer(serializers.Serializer):
    file = serializers.ListField(
        child=serializers.FileField(),
        allow_empty=False,
        min_length=1,
        help_text="One PDF or TIFF, or several images in order.",
    )
    front_office = serializers.IntegerField(
        required=False, help_text="Front office id; needed only by a clerk of several front offices."
    )


class PagesSerializer(serializers.Serializer):
    pages = serializers.ListField(child=serializers.IntegerField(min_value=1), allow_empty=False)


class AssignSerializer(PagesSerializer):
    case = serializers.IntegerField(required=False, help_text="Case id.")
    case_number = serializers.CharField(required=False, help_text="Or the case number.")
    document_type = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, help_text="Document type code; empty: unsorted."
    )

    def validate(self, data):
        if not data.get("case") and not data.get("case_number"):
            raise serializers.ValidationError({"case": _("Give the case id or its number.")})
        return data


class PDFRenderer(BaseRenderer):
    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        response = (renderer_context or {}).get("response")
        if response is not None:  # an error body: JSON, and labelled so
            response["Content-Type"] = "application/json"
        return JSONRenderer().render(data)


# --- Views --------------------------------------------------------------------------------------------------------


def _detail(batch_id: int, user) -> dict:
    return ScanBatchDetailSerializer(selectors.scan_batch_get(user=user, pk=batch_id)).data


def _require_a_clerk(user) -> None:
    """Only front-office clerks upload stacks: anyone else's role never uses the upload (403)."""
    if not access_for(user).clerk_front_office_ids:
        raise exceptions.PermissionDenied(_("Only a front-office clerk can upload a scanned stack."))


def _front_office_for(user, requested: int | None) -> FrontOffice:
    """The clerk's office: the one named (another office is 404: not among yours, as elsewhere), or their only one."""
    clerk_of = access_for(user).clerk_front_office_ids
    if requested is not None:
        if requested not in clerk_of:
            raise exceptions.NotFound(_("No such front office among yours."))
        return FrontOffice.objects.get(pk=requested)
    if len(clerk_of) != 1:
        raise InvalidInput(_("Say which front office the batch is for (front_office)."))
    return FrontOffice.objects.get(pk=next(iter(clerk_of)))


@extend_schema(
    methods=["GET"],
    operation_id="scan_batches_list",
    parameters=page_parameters(),
    responses=paginated(ScanBatchSerializer, "PaginatedScanBatchList"),
)
@extend_schema(
    methods=["POST"],
    operation_id="scan_batches_create",
    request={"multipart/form-data": ScanBatchCreateSerializer},
    responses={
        202: inline_serializer(
            "ScanBatchAccepted", {"id": serializers.IntegerField(), "status": serializers.CharField()}
        ),
        400: OpenApiResponse(description="A refused file: {code, detail}; nothing is stored."),
        403: OpenApiResponse(description="Not a front-office clerk (`code` permission_denied)."),
        404: OpenApiResponse(description="`front_office` names an office you are not a clerk of (`code` not_found)."),
    },
)
@api_view(["GET", "POST"])
@parser_classes([MultiPartParser, FormParser])
def scan_batches(request):
    """The community's batches, newest first; POST a scanned stack to read and route in the background."""
    if request.method == "GET":
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(selectors.scan_batch_list(user=request.user), request)
        return paginator.get_paginated_response(ScanBatchSerializer(page, many=True).data)
    _require_a_clerk(request.user)
    serializer = ScanBatchCreateSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    front_office = _front_office_for(request.user, serializer.validated_data.get("front_office"))
    batch = batch_create(front_office=front_office, files=serializer.validated_data["file"], by=request.user)
    batch.refresh_from_db(fields=["status"])
    return Response({"id": batch.pk, "status": batch.status}, status=status.HTTP_202_ACCEPTED)


@extend_schema(operation_id="scan_batches_retrieve", responses=ScanBatchDetailSerializer)
@api_view(["GET"])
def scan_batch_detail(request, pk: int):
    """Status, page count, and for every page where it went (case, document) or why it stayed."""
    return Response(_detail(pk, request.user))


@extend_schema(operation_id="scan_batches_assign", request=AssignSerializer, responses=ScanBatchDetailSerializer)
@api_view(["POST"])
@parser_classes([JSONParser, FormParser, MultiPartParser])
def scan_batch_assign(request, pk: int):
    """Put unrouted pages into a case as one document (typed, or unsorted)."""
    batch = selectors.scan_batch_get(user=request.user, pk=pk)
    serializer = AssignSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    if data.get("case"):
        case = case_selectors.case_get(user=request.user, pk=data["case"])
    else:
        case = case_selectors.case_get_by_number(user=request.user, number=data["case_number"].strip())
    document_type = None
    if code := (data.get("document_type") or "").strip():
        document_type = get_object_or_404(DocumentType, code=code)
    batch_pages_assign(batch=batch, numbers=data["pages"], case=case, document_type=document_type, by=request.user)
    return Response(_detail(pk, request.user))


@extend_schema(operation_id="scan_batches_discard", request=PagesSerializer, responses=ScanBatchDetailSerializer)
@api_view(["POST"])
@parser_classes([JSONParser, FormParser, MultiPartParser])
def scan_batch_discard(request, pk: int):
    """Mark unrouted pages as belonging nowhere (a blank back side, a stray sheet)."""
    batch = selectors.scan_batch_get(user=request.user, pk=pk)
    serializer = PagesSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    batch_pages_discard(batch=batch, numbers=serializer.validated_data["pages"], by=request.user)
    return Response(_detail(pk, request.user))


@extend_schema(operation_id="scan_batches_retry", request=None, responses=ScanBatchDetailSerializer)
@api_view(["POST"])
def scan_batch_retry(request, pk: int):
    """Read a failed batch again from where it stopped."""
    batch = selectors.scan_batch_get(user=request.user, pk=pk)
    batch_retry(batch=batch, by=request.user)
    return Response(_detail(pk, request.user))


@extend_schema(
    operation_id="cases_cover_sheet",
    responses={(200, "application/pdf"): OpenApiTypes.BINARY, 404: OpenApiResponse(description="No such case.")},
)
@api_view(["GET"])
@renderer_classes([PDFRenderer, JSONRenderer])
def case_cover_sheet(request, pk: int):
    """A printable A4 cover sheet for the case: its number as QR and Code 128, and the service's checklist."""
    case = case_selectors.case_get(user=request.user, pk=pk)
    return file_response(
        content_type=PDF,
        content=sheets.cover_sheet_pdf(case=case, printed_by=request.user),
        filename=f"cover-{case.number}.pdf",
    )


@extend_schema(
    operation_id="separator_sheets",
    parameters=[
        OpenApiParameter(
            "document_type", str, description="A document type code for its sheet alone; omitted: every sheet."
        )
    ],
    responses={(200, "application/pdf"): OpenApiTypes.BINARY, 404: OpenApiResponse(description="No such type.")},
)
@api_view(["GET"])
@renderer_classes([PDFRenderer, JSONRenderer])
def separator_sheets(request):
    """Printable separator sheets: the plain PATCH-T sheet and one per document type (or one type's alone)."""
    code = request.query_params.get("document_type", "").strip()
    if code:
        document_type = get_object_or_404(DocumentType, code=code)
        content = sheets.separator_sheets_pdf(document_types=[document_type], plain=False)
        return file_response(content_type=PDF, content=content, filename=f"separator-{document_type.code}.pdf")
    content = sheets.separator_sheets_pdf(document_types=list(DocumentType.objects.all()), plain=True)
    return file_response(content_type=PDF, content=content, filename="separators.pdf")


urlpatterns = [
    path("scan-batches/", scan_batches, name="api-scan-batches"),
    path("scan-batches/<int:pk>/", scan_batch_detail, name="api-scan-batch"),
    path("scan-batches/<int:pk>/assign/", scan_batch_assign, name="api-scan-batch-assign"),
    path("scan-batches/<int:pk>/discard/", scan_batch_discard, name="api-scan-batch-discard"),
    path("scan-batches/<int:pk>/retry/", scan_batch_retry, name="api-scan-batch-retry"),
    path("cases/<int:pk>/cover-sheet/", case_cover_sheet, name="api-case-cover-sheet"),
    path("separator-sheets/", separator_sheets, name="api-separator-sheets"),
]
