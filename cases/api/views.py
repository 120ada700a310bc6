from rest_framework import viewsets

from cases.api.serializers import DocumentTypeSerializer, ServiceTypeSerializer
from cases.models import DocumentType, ServiceType


class ServiceTypeViewSet(viewsets.ReadOnlyModelViewSet):
    """Services that can be applied for, with their checklists and refusal grounds."""

    serializer_class = ServiceTypeSerializer
    lookup_field = "code"
    queryset = ServiceType.objects.filter(active=True).prefetch_related("checklist__document_types", "refusal_grounds")


class DocumentTypeViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = DocumentTypeSerializer
    lookup_field = "code"
    queryset = DocumentType.objects.all()
