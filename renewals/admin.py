from django.contrib import admin

from renewals.models import GrantTerm, Renewal


@admin.register(GrantTerm)
class GrantTermAdmin(admin.ModelAdmin):
    list_display = ("case", "service", "starts", "ends", "months")
    list_filter = ("service",)
    date_hierarchy = "ends"
    raw_id_fields = ("case",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Renewal)
class RenewalAdmin(admin.ModelAdmin):
    list_display = ("previous", "case", "opened_at", "needs_person_at", "told")
    list_filter = ("told",)
    raw_id_fields = ("previous", "case", "message")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
