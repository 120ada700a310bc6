"""The registries catalogue in the admin (data, not code). Queries are read-only there: they are the record."""

from django.contrib import admin

from registries.models import Registry, RegistryQuery


@admin.register(Registry)
class RegistryAdmin(admin.ModelAdmin):
    list_display = ["short_name", "code", "name_uk", "service_code", "answer_due_working_days", "enabled"]
    list_filter = ["enabled"]
    search_fields = ["code", "short_name", "name_uk", "service_code"]
    filter_horizontal = ["stands_for"]
    fieldsets = [
        (None, {"fields": ["code", "short_name", "name_uk", "name_ru", "name_en", "enabled", "position"]}),
        (
            "Service identifier",
            {
                "fields": [
                    "instance",
                    "member_class",
                    "member_code",
                    "subsystem",
                    "service_code",
                    "service_version",
                    "purpose_id",
                ]
            },
        ),
        (None, {"fields": ["answer_due_working_days", "stands_for"]}),
    ]


@admin.register(RegistryQuery)
class RegistryQueryAdmin(admin.ModelAdmin):
    """Read-only: a query's row is its own history (append-only); nobody edits or deletes it here."""

    list_display = ["query_id", "registry", "status", "error_code", "attempts", "asked_at", "answered_at"]
    list_filter = ["status", "registry"]
    fields = [
        "query_id",
        "registry",
        "status",
        "error_code",
        "error_detail",
        "attempts",
        "asked_at",
        "sent_at",
        "answered_at",
        "due_at",
        "latency_ms",
        "purpose",
        "request_hash",
        "dialect",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
