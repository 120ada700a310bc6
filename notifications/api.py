"""``GET /api/v1/notifications/?case=<id>``: a case's messages and their delivery status, for staff who may see
the case (docs/api-public.md)."""

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications.models import Message
from notifications.selectors import message_list_for_case


class MessageSerializer(serializers.ModelSerializer):
    to = serializers.CharField(source="recipient")

    class Meta:
        model = Message
        fields = ["id", "to", "channel", "template", "text", "status", "attempts", "created_at"]


class NotificationListView(APIView):
    @extend_schema(
        summary="Messages sent to the applicant about a case",
        parameters=[OpenApiParameter("case", int, required=True, description="The case id")],
        responses=MessageSerializer(many=True),
    )
    def get(self, request):
        raw = request.query_params.get("case", "")
        if not raw.isdigit():
            raise ValidationError({"case": [_("Give the case id: ?case=<id>.")]})
        messages = message_list_for_case(user=request.user, case_id=int(raw))
        return Response(MessageSerializer(messages, many=True).data)


urlpatterns = [path("notifications/", NotificationListView.as_view(), name="notification-list")]
