"""The status page's API (docs/api-public.md): ask for a code, exchange it for a token, read the status.

No staff authentication here: the token from ``session/`` is the only key, sent as ``Authorization: Bearer``.
"""

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from public import selectors, services


class CodeRequestSerializer(serializers.Serializer):
    receipt = serializers.CharField(max_length=40)
    phone = serializers.CharField(max_length=30)


class SessionRequestSerializer(CodeRequestSerializer):
    code = serializers.CharField(max_length=12)


def client_address(request) -> str | None:
    from django.conf import settings

    if settings.AXES_IPWARE_META_PRECEDENCE_ORDER[0] == "HTTP_X_FORWARDED_FOR":
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


class _Public(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []  # our own limits per receipt, phone and address answer 429


class StatusCodeView(_Public):
    @extend_schema(
        summary="Ask for a one-time code by SMS",
        request=CodeRequestSerializer,
        responses={202: OpenApiResponse(description="Always, whether or not the receipt and phone match")},
    )
    def post(self, request):
        serializer = CodeRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.status_code_request(**serializer.validated_data, address=client_address(request))
        return Response(
            {"detail": _("If the receipt number and phone match our records, a code was sent by SMS.")},
            status=status.HTTP_202_ACCEPTED,
        )


class StatusSessionView(_Public):
    @extend_schema(
        summary="Exchange the code for a 15-minute token",
        request=SessionRequestSerializer,
        responses={
            200: inline_serializer("StatusToken", {"token": serializers.CharField()}),
            401: OpenApiResponse(
                description="The code is wrong, expired, used, or for another receipt or phone (`code` invalid_code; "
                "one answer for all). `WWW-Authenticate: Bearer`."
            ),
        },
    )
    def post(self, request):
        serializer = SessionRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, _session = services.status_session_open(**serializer.validated_data)
        return Response({"token": token})


class PublicDecisionSerializer(serializers.Serializer):
    result = serializers.CharField()
    text = serializers.CharField()
    explanation = serializers.CharField()
    grounds = serializers.ListField(child=serializers.CharField())
    decided_at = serializers.DateTimeField(allow_null=True)
    notice = serializers.CharField()


class StatusCaseSerializer(serializers.Serializer):
    number = serializers.CharField()
    service = serializers.CharField()
    status = serializers.CharField()
    status_text = serializers.CharField()
    missing = serializers.ListField(child=serializers.CharField())
    due_date = serializers.DateField(allow_null=True)
    decision = PublicDecisionSerializer(allow_null=True)


class StatusApplicationSerializer(serializers.Serializer):
    number = serializers.CharField()
    cases = StatusCaseSerializer(many=True)


class PublicDataAccessSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    case = serializers.CharField()
    office = serializers.CharField()
    what = serializers.CharField()
    purpose = serializers.CharField()


class StatusSerializer(serializers.Serializer):
    applications = StatusApplicationSerializer(many=True)
    data_access = PublicDataAccessSerializer(many=True)


def bearer_session(request):
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _sep, token = header.partition(" ")
    return services.status_session_get(token=token.strip()) if scheme.lower() == "bearer" else None


class StatusView(_Public):
    @extend_schema(
        summary="The person's applications, cases and who looked at their data",
        responses={
            200: StatusSerializer,
            401: OpenApiResponse(description="No bearer token, or one that is unknown or older than 15 minutes."),
        },
    )
    def get(self, request):
        session = bearer_session(request)
        if session is None:
            return Response(
                {"code": "not_authenticated", "detail": _("Sign in with a code first; the session lasts 15 minutes.")},
                status=status.HTTP_401_UNAUTHORIZED,
                headers={"WWW-Authenticate": "Bearer"},
            )
        return Response(StatusSerializer(selectors.status_overview(session=session)).data)


class RemoteLinkRequestSerializer(serializers.Serializer):
    case = serializers.IntegerField()


class RemoteLinkView(APIView):
    """Staff only: a clerk sends the phone link of an application taken by phone (channel *remote*)."""

    @extend_schema(
        summary="Send the applicant the link to photograph their documents (remote application)",
        request=RemoteLinkRequestSerializer,
        responses={
            202: inline_serializer("RemoteLinkSent", {"detail": serializers.CharField()}),
            404: OpenApiResponse(description="No such case among those you may see."),
            409: OpenApiResponse(description="The case does not take a phone link now (`code` says why)."),
        },
    )
    def post(self, request):
        from cases.selectors import case_get

        serializer = RemoteLinkRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        case = case_get(user=request.user, pk=serializer.validated_data["case"])
        services.remote_link_send(case=case, by=request.user)
        return Response({"detail": _("The link is on its way to the applicant.")}, status=status.HTTP_202_ACCEPTED)


urlpatterns = [
    path("public/remote-links/", RemoteLinkView.as_view(), name="public-remote-link"),
    path("public/status/code/", StatusCodeView.as_view(), name="public-status-code"),
    path("public/status/session/", StatusSessionView.as_view(), name="public-status-session"),
    path("public/status/", StatusView.as_view(), name="public-status"),
]
