from django.contrib import admin

from notifications.models import Contact, Message


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["applicant", "channel", "language", "consent_at", "opted_out_at"]
    raw_id_fields = ["applicant", "consent_by"]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Read-only: the outbox is append-only."""

    list_display = ["created_at", "case", "channel", "template", "status", "attempts"]
    list_filter = ["status", "channel", "template"]
    exclude = ["text"]
    readonly_fields = [
        f
        for f in [
            "case",
            "event",
            "recipient",
            "channel",
            "template",
            "language",
            "status",
            "attempts",
            "provider",
            "provider_message_id",
            "last_error",
            "created_at",
        ]
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
