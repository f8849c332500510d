from django.contrib import admin

from labshare.projects.models import FundingCode, Project


class FundingCodeInline(admin.TabularInline):
    model = FundingCode
    extra = 0


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "account", "supervisor", "created_by", "created_at")
    search_fields = ("name", "supervisor", "account__name", "funding_codes__code")
    list_select_related = ("account", "created_by")
    autocomplete_fields = ("account", "created_by", "selected_users")
    inlines = (FundingCodeInline,)
    show_full_result_count = False


@admin.register(FundingCode)
class FundingCodeAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "project",
        "funder_name",
        "funder_type",
        "allocated_amount",
        "spent_amount",
        "currency",
        "expiry_date",
    )
    list_filter = ("funder_type", "currency")
    search_fields = ("code", "funder_name", "project__name")
    list_select_related = ("project",)
    autocomplete_fields = ("project",)
