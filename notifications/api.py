"""``GET /api/v1/notifications/?case=<id>``: a case's messages and their delivery status, for staff who may see
the case (docs/api-public.md)."""

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.access import access_for
from cases.api.params import id_parameter, query_id
from cases.exceptions import NotPermitted
from cases.selectors import applicant_get
from notifications import services
from notifications.models import Channel, Contact, Message
from notifications.selectors import message_list_for_case


class MessageSerializer(serializers.ModelSerializer):
    to = serializers.CharField(source="recipient")

    class Meta:
        model = Message
        fields = ["id", "to", "channel", "template", "text", "status", "attempts", "created_at"]


class NotificationListView(APIView):
    @extend_schema(
        summary="Messages sent to the applicant about a case",
        parameters=[id_parameter("case", required=True, description="The case id")],
        responses={
            200: MessageSerializer(many=True),
            404: OpenApiResponse(description="No such case among those you may see."),
        },
    )
    def get(self, request):
        messages = message_list_for_case(user=request.user, case_id=query_id(request, "case", required=True))
        return Response(MessageSerializer(messages, many=True).data)


class ContactSerializer(serializers.ModelSerializer):
    consent = serializers.BooleanField(write_only=True)
    reachable = serializers.BooleanField(read_only=True)

    class Meta:
        model = Contact
        fields = ["phone", "email", "channel", "language", "consent", "consent_at", "opted_out_at", "reachable"]
        read_only_fields = ["consent_at", "opted_out_at"]
        extra_kwargs = {"phone": {"required": False}, "email": {"required": False}}


class ContactView(APIView):
    """The applicant's contact for messages, recorded by a clerk with the person's consent (``consent: false``
    after consent is an opt-out)."""

    def _applicant(self, request, applicant_id: int):
        applicant = applicant_get(user=request.user, pk=applicant_id)  # 404 outside the user's scope
        if not access_for(request.user).is_front:
            raise NotPermitted(_("Only the front office records how an applicant agreed to be reached."))
        return applicant

    @extend_schema(summary="How the applicant agreed to be reached", responses=ContactSerializer)
    def get(self, request, applicant_id: int):
        applicant = self._applicant(request, applicant_id)
        contact = Contact.objects.filter(applicant=applicant).first() or Contact(applicant=applicant)
        return Response(ContactSerializer(contact).data)

    @extend_schema(
        summary="Record the applicant's phone or e-mail and consent",
        request=ContactSerializer,
        responses=ContactSerializer,
    )
    def put(self, request, applicant_id: int):
        applicant = self._applicant(request, applicant_id)
        serializer = ContactSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        contact = services.contact_set(
            applicant=applicant,
            by=request.user,
            phone=data.get("phone", ""),
            email=data.get("email", ""),
            channel=data.get("channel", Channel.SMS),
            language=data.get("language", "uk"),
            consent=data["consent"],
        )
        return Response(ContactSerializer(contact).data)


urlpatterns = [
    path("notifications/", NotificationListView.as_view(), name="notification-list"),
    path("notifications/contacts/<int:applicant_id>/", ContactView.as_view(), name="notification-contact"),
]
