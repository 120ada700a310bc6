from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, viewsets
from rest_framework.authtoken.models import Token
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


class InvalidCredentials(exceptions.AuthenticationFailed):
    """A user name and password that do not sign anyone in (or an inactive account's)."""

    default_code = "invalid_credentials"


class TokenView(ObtainAuthToken):
    """``POST {"username", "password"}`` -> ``{"token"}``. Wrong credentials: 401 ``code: invalid_credentials``
    (with ``WWW-Authenticate: Token``); a missing field: 400. Failures count towards the same lockout as the web
    form (django-axes); a locked-out pair gets 429 with ``code: locked_out``."""

    throttle_classes = [AnonRateThrottle]

    @extend_schema(
        responses={
            200: inline_serializer("AuthToken", {"token": serializers.CharField()}),
            401: OpenApiResponse(description="The user name and password sign nobody in (`code` invalid_credentials)."),
        }
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except ValidationError as e:
            # axes marks the request it saw inside authenticate(): DRF's wrapper, not Django's request.
            if getattr(request, "axes_locked_out", False) or getattr(request._request, "axes_locked_out", False):
                return Response(
                    {"code": "locked_out", "detail": _("Too many failed attempts; try again later.")}, status=429
                )
            # AuthTokenSerializer's own refusal (code "authorization") once both fields are there: nobody signed in.
            if e.get_codes() == {"non_field_errors": ["authorization"]}:
                raise InvalidCredentials(_("Unable to sign in with this user name and password.")) from None
            raise
        token, _created = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})
