from django.contrib import admin

from labshare.accounts.models import Account, AccountType
from labshare.bookings.models import (
    Booking,
    BookingNote,
    CustomForm,
    CustomFormResponse,
    CustomFormVersion,
)


class ProviderLabFilter(admin.SimpleListFilter):
    """Labs only (the column also allows any account), by name."""

    title = "provider lab"
    parameter_name = "provider_lab"

    def lookups(self, request, model_admin):
        return Account.objects.filter(account_type=AccountType.LAB).order_by("name").values_list("id", "name")

    def queryset(self, request, queryset):
        return queryset.filter(provider_lab_id=self.value()) if self.value() else queryset


class NoteInline(admin.TabularInline):
    model = BookingNote
    extra = 0
    autocomplete_fields = ("author",)


class ResponseInline(admin.TabularInline):
    model = CustomFormResponse
    extra = 0
    fields = ("version", "created_by", "created_at")
    readonly_fields = fields
    show_change_link = True
    can_delete = False


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "equipment",
        "provider_lab",
        "requester",
        "start_time",
        "end_time",
        "status",
        "booking_type",
        "cost",
        "currency",
    )
    list_filter = ("status", "booking_type", "currency", ProviderLabFilter)
    search_fields = (
        "=id",
        "equipment__name",
        "provider_lab__name",
        "requester__email",
        "requester__last_name",
    )
    date_hierarchy = "start_time"
    list_select_related = ("equipment", "provider_lab", "requester")
    autocomplete_fields = (
        "equipment",
        "provider_lab",
        "provider_organisation",
        "requester",
        "requester_lab",
        "requester_organisation",
        "requester_group",
        "creator",
        "projects",
        "funding_codes",
    )
    # The family root follows from the equipment (Booking.derive_fields).
    readonly_fields = ("root_equipment", "duration", "created_at", "updated_at")
    inlines = (NoteInline, ResponseInline)
    show_full_result_count = False
    list_per_page = 50


class VersionInline(admin.StackedInline):
    model = CustomFormVersion
    extra = 0


@admin.register(CustomForm)
class CustomFormAdmin(admin.ModelAdmin):
    list_display = ("name", "lab", "created_at")
    search_fields = ("name", "lab__name")
    autocomplete_fields = ("lab",)
    inlines = (VersionInline,)


@admin.register(CustomFormVersion)
class CustomFormVersionAdmin(admin.ModelAdmin):
    list_display = ("form", "number", "created_at")
    search_fields = ("form__name",)
    autocomplete_fields = ("form",)


@admin.register(CustomFormResponse)
class CustomFormResponseAdmin(admin.ModelAdmin):
    list_display = ("id", "booking", "version", "created_by", "created_at")
    search_fields = ("=id", "=booking__id", "version__form__name")
    raw_id_fields = ("booking",)
    autocomplete_fields = ("version", "created_by")
    list_select_related = ("booking__equipment", "version__form", "created_by")
    show_full_result_count = False
