"""Django admin for organisation and catalog data only. Applicants, cases and documents are not here: personal
data are reached through the offices' pages, which scope and log access."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from cases.models import (
    BackOffice,
    Bundle,
    BundleService,
    ChecklistItem,
    Community,
    DocumentType,
    FrontOffice,
    Holiday,
    Membership,
    RefusalGround,
    Region,
    ServiceType,
    User,
)

admin.site.site_header = _("Hromada Intake: administration")
admin.site.site_title = _("Hromada Intake")
admin.site.index_title = _("Organisation and catalog")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["front_office", "community", "back_office"]


@admin.register(User)
class HromadaUserAdmin(UserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "is_active", "is_staff"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(BackOffice)
class BackOfficeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "region"]
    list_filter = ["region"]
    search_fields = ["name", "code"]


class FrontOfficeInline(admin.TabularInline):
    model = FrontOffice
    extra = 0


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["name", "katottg", "back_office"]
    list_filter = ["back_office__region", "back_office"]
    search_fields = ["name", "katottg"]
    inlines = [FrontOfficeInline]


@admin.register(FrontOffice)
class FrontOfficeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "community"]
    list_filter = ["kind", "community__back_office"]
    search_fields = ["name", "code", "community__name"]


@admin.register(DocumentType)
class DocumentTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_uk", "name_en"]
    search_fields = ["code", "name_uk", "name_ru", "name_en"]


class ChecklistItemInline(admin.StackedInline):
    model = ChecklistItem
    extra = 0
    filter_horizontal = ["document_types"]


class RefusalGroundInline(admin.TabularInline):
    model = RefusalGround
    extra = 0


@admin.register(ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_uk", "decision_days", "decision_in_working_days", "refusal_needs_approval", "active"]
    list_filter = ["active", "refusal_needs_approval"]
    search_fields = ["code", "name_uk", "name_en"]
    inlines = [ChecklistItemInline, RefusalGroundInline]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name"]


class BundleServiceInline(admin.TabularInline):
    model = BundleService
    extra = 0
    autocomplete_fields = ["service_type"]


@admin.register(Bundle)
class BundleAdmin(admin.ModelAdmin):
    """Life-event bundles are catalog data: their services, who may apply and the minimum age are kept here."""

    list_display = ["code", "name_uk", "roles", "min_applicant_age", "active", "position"]
    search_fields = ["code", "name_uk"]
    inlines = [BundleServiceInline]
