from django.utils.translation import gettext as _
from rest_framework import viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

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


class TokenView(ObtainAuthToken):
    """``POST {"username", "password"}`` -> ``{"token"}``. Failures count towards the same lockout as the web
    form (django-axes); a locked-out pair gets 429 with ``code: locked_out``."""

    throttle_classes = [AnonRateThrottle]

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except ValidationError:
            # axes marks the request it saw inside authenticate(): DRF's wrapper, not Django's request.
            if getattr(request, "axes_locked_out", False) or getattr(request._request, "axes_locked_out", False):
                return Response(
                    {"code": "locked_out", "detail": _("Too many failed attempts; try again later.")}, status=429
                )
            raise
