"""``GET /api/v1/offers/`` (front-office staff of the person's community; filters ``status``, ``service``);
``POST /api/v1/offers/{id}/accept/`` ``{"consent": {"by", "channel", "note"}, "iban"?}`` → 200 with the application
made; ``POST /api/v1/offers/{id}/decline/`` ``{"reason"}``. Accepting a declined or expired offer: 409 with the reason.
"""

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.api.pagination import PageNumberPagination, page_parameters
from cases.api.serializers import ErrorSerializer
from cases.exceptions import DomainError, InvalidInput
from proactive import selectors, services
from proactive.models import ProactiveOffer, RegistryEvent

TAGS = ["offers"]
ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="The input is wrong (`invalid_input`)."),
    401: OpenApiResponse(ErrorSerializer, description="Not signed in."),
    403: OpenApiResponse(ErrorSerializer, description="Signed in but not allowed (`permission_denied`)."),
    404: OpenApiResponse(ErrorSerializer, description="No such offer among those of your communities."),
    409: OpenApiResponse(
        ErrorSerializer,
        description="The offer's state or your role does not allow it (`transition_not_allowed`, `not_permitted`); "
        "for a declined or expired offer the body has `reason`.",
    ),
}


class OfferEventSerializer(serializers.Serializer):
    id = serializers.CharField(source="feed_id")
    type = serializers.ChoiceField(choices=RegistryEvent.Type.choices)
    occurred_on = serializers.DateField(allow_null=True)
    received_at = serializers.DateTimeField()


class OfferApplicantSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    rnokpp = serializers.CharField()


class OfferExplanationSerializer(serializers.Serializer):
    reason = serializers.CharField()
    rules_version = serializers.CharField()
    conditions = serializers.ListField(child=serializers.DictField(), source="explanation")


class OfferSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    applicant = OfferApplicantSerializer()
    service = serializers.CharField(source="service_type.code")
    status = serializers.ChoiceField(choices=ProactiveOffer.Status.choices)
    detected_at = serializers.DateTimeField()
    event = OfferEventSerializer(allow_null=True)
    explanation = serializers.SerializerMethodField()
    offered_via = serializers.CharField()
    expires_on = serializers.DateField()
    decline_reason = serializers.CharField()

    @extend_schema_field(OfferExplanationSerializer)
    def get_explanation(self, obj) -> dict:
        return OfferExplanationSerializer(obj).data


class CaseMadeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    service = serializers.CharField(source="service_type.code")
    status = serializers.CharField()
    channel = serializers.CharField()


class ApplicationMadeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    channel = serializers.CharField()
    cases = serializers.SerializerMethodField()

    @extend_schema_field(CaseMadeSerializer(many=True))
    def get_cases(self, obj) -> list[dict]:
        return CaseMadeSerializer(obj.cases.select_related("service_type").order_by("pk"), many=True).data


class AcceptedSerializer(serializers.Serializer):
    offer = OfferSerializer()
    application = ApplicationMadeSerializer()


class ConsentSerializer(serializers.Serializer):
    by = serializers.ChoiceField(choices=ProactiveOffer.ConsentBy.choices)
    channel = serializers.ChoiceField(
        choices=[c for c in ProactiveOffer.ConsentChannel.choices if c[0] != ProactiveOffer.ConsentChannel.ONLINE]
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class AcceptSerializer(serializers.Serializer):
    consent = ConsentSerializer()
    iban = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="The person's account for the payment (UA + 27 digits)."
    )


class DeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


def _conflict_reason(offer: ProactiveOffer, error: DomainError) -> DomainError:
    """The 409 of a finished offer carries why it finished."""
    offer.refresh_from_db()
    if offer.end_reason:
        error.extra["reason"] = offer.end_reason
    return error


def _valid(serializer_class, data):
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        field, messages = next(iter(serializer.errors.items()))
        detail = messages if isinstance(messages, list) else next(iter(messages.values()))
        raise InvalidInput(f"{field}: {detail[0]}", field=field)
    return serializer.validated_data


class OfferList(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="offers_list",
        summary="Proactive offers of your communities",
        parameters=[
            OpenApiParameter("status", str, enum=ProactiveOffer.Status.values),
            OpenApiParameter("service", str, description="A service code, e.g. childbirth."),
            *page_parameters(),
        ],
        responses={
            200: OpenApiResponse(
                OfferSerializer(many=True),
                description="The offers, newest first, as the contract gives them: a JSON array. It is paged all the "
                "same (page, page_size; default 50, at most 500): X-Total-Count says how many there are, and a Link "
                'header names the next and previous pages (rel="next", rel="prev").',
            ),
            400: ERRORS[400],
            401: ERRORS[401],
            404: ERRORS[404],
        },
    )
    def get(self, request):
        status = request.query_params.get("status", "")
        if status and status not in ProactiveOffer.Status.values:
            raise InvalidInput(f"status: one of {', '.join(ProactiveOffer.Status.values)}", field="status")
        service = request.query_params.get("service", "")
        offers = selectors.offer_list(user=request.user, filters={"status": status, "service": service})
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(offers, request, view=self)
        response = Response(OfferSerializer(page, many=True).data)
        response["X-Total-Count"] = str(paginator.page.paginator.count)
        links = [
            f'<{url}>; rel="{rel}"'
            for url, rel in ((paginator.get_next_link(), "next"), (paginator.get_previous_link(), "prev"))
            if url
        ]
        if links:
            response["Link"] = ", ".join(links)
        return response


class OfferAccept(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="offers_accept",
        summary="Accept an offer on the person's behalf, with their consent",
        request=AcceptSerializer,
        responses={200: AcceptedSerializer, **ERRORS},
    )
    def post(self, request, pk):
        offer = selectors.offer_get(user=request.user, pk=pk)
        data = _valid(AcceptSerializer, request.data)
        try:
            offer = services.offer_accept(offer=offer, by=request.user, consent=data["consent"], iban=data["iban"])
        except DomainError as e:
            raise _conflict_reason(offer, e) from None
        return Response(
            {"offer": OfferSerializer(offer).data, "application": ApplicationMadeSerializer(offer.application).data}
        )


class OfferDecline(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="offers_decline",
        summary="Decline an offer, with the reason",
        request=DeclineSerializer,
        responses={200: OfferSerializer, **ERRORS},
    )
    def post(self, request, pk):
        offer = selectors.offer_get(user=request.user, pk=pk)
        data = _valid(DeclineSerializer, request.data)
        try:
            offer = services.offer_decline(offer=offer, by=request.user, reason=data["reason"])
        except DomainError as e:
            raise _conflict_reason(offer, e) from None
        return Response(OfferSerializer(offer).data)


urlpatterns = [
    path("offers/", OfferList.as_view(), name="offers-list"),
    path("offers/<int:pk>/accept/", OfferAccept.as_view(), name="offers-accept"),
    path("offers/<int:pk>/decline/", OfferDecline.as_view(), name="offers-decline"),
]
