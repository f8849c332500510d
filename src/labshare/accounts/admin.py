from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm, UserChangeForm
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from labshare.accounts.models import Account, AccountType, Group, Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user", "lab")


class UserCreationForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "first_name", "last_name")


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = UserCreationForm
    form = UserEditForm
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "sector", "is_staff", "is_active")
    list_filter = ("is_staff", "is_superuser", "is_active", "sector")
    search_fields = ("email", "first_name", "last_name")
    inlines = (MembershipInline,)
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("first_name", "last_name", "sector")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {"classes": ("wide",), "fields": ("email", "first_name", "last_name", "password1", "password2")},
        ),
    )


def admin_link(account: Account | None) -> str:
    if account is None:
        return ""
    return format_html(
        '<a href="{}">{}</a>', reverse("admin:accounts_account_change", args=[account.pk]), account.name
    )


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("name", "account_type", "place_in_hierarchy", "sector", "timezone", "created_at")
    list_filter = ("account_type", "sector")
    search_fields = ("name", "organisation__name", "department__name")
    list_select_related = ("organisation", "department")
    autocomplete_fields = ("organisation", "department")
    readonly_fields = ("place_in_hierarchy", "accounts_below")
    inlines = (MembershipInline,)
    show_full_result_count = False
    fieldsets = (
        (None, {"fields": ("account_type", "name", "sector", "description", "timezone")}),
        ("Hierarchy", {"fields": ("organisation", "department", "place_in_hierarchy", "accounts_below")}),
    )

    @admin.display(description="hierarchy")
    def place_in_hierarchy(self, account: Account) -> str:
        """Organisation › department › account, each linked."""
        parts = [
            admin_link(account.organisation if account.organisation_id else None),
            admin_link(account.department if account.department_id else None),
        ]
        return format_html_join(" › ", "{}", ((part,) for part in parts if part)) or "—"

    @admin.display(description="departments and labs below")
    def accounts_below(self, account: Account) -> str:
        if account.pk is None or account.account_type == AccountType.LAB:
            return "—"
        below = Account.objects.filter(
            **(
                {"department": account}
                if account.account_type == AccountType.DEPARTMENT
                else {"organisation": account}
            )
        ).order_by("account_type", "name")
        return (
            format_html_join(
                ", ",
                '<a href="{}">{}</a> ({})',
                (
                    (reverse("admin:accounts_account_change", args=[a.pk]), a.name, a.account_type)
                    for a in below
                ),
            )
            or "—"
        )

    def get_inlines(self, request, account):
        return self.inlines if account is not None and account.account_type == AccountType.LAB else ()


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ("name", "lab", "created_at")
    search_fields = ("name", "lab__name")
    list_select_related = ("lab",)
    autocomplete_fields = ("lab", "members", "equipment")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "lab", "role")
    list_filter = ("role",)
    search_fields = ("user__email", "user__last_name", "lab__name")
    list_select_related = ("user", "lab")
    autocomplete_fields = ("user", "lab")
