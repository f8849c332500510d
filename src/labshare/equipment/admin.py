from django.contrib import admin

from labshare.equipment.models import Category, Equipment


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "parent")
    search_fields = ("name",)
    autocomplete_fields = ("parent",)


class ChildAssetInline(admin.TabularInline):
    model = Equipment
    fk_name = "parent"
    extra = 0
    fields = ("name", "model", "serial_number", "availability_status")
    show_change_link = True
    verbose_name = "child asset"
    verbose_name_plural = "child assets"


@admin.register(Equipment)
class EquipmentAdmin(admin.ModelAdmin):
    list_display = ("name", "lab", "parent", "availability_status", "manufacturer", "model", "room")
    list_filter = ("availability_status", "charging_type", "currency", "category")
    search_fields = ("name", "lab__name", "manufacturer", "model", "serial_number", "room")
    list_select_related = ("lab", "parent")
    autocomplete_fields = ("lab", "parent", "contact_person", "category", "sub_category")
    inlines = (ChildAssetInline,)
    show_full_result_count = False
