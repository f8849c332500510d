"""Equipment (instruments and their child assets) and their categories."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from labshare.accounts.models import Account, AccountType, User


class Category(models.Model):
    """A category, or a sub-category when it has a parent."""

    name = models.CharField(max_length=120)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="sub_categories"
    )

    class Meta:
        verbose_name_plural = "categories"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="category_name_unique_in_parent"),
        ]

    def __str__(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name


class AvailabilityStatus(models.TextChoices):
    AVAILABLE = "Available", "Available"
    UNAVAILABLE = "Unavailable", "Unavailable"
    MAINTENANCE = "Under maintenance", "Under maintenance"


class ChargingType(models.TextChoices):
    PER_HOUR = "Per Hour", "Per hour"
    PER_DAY = "Per Day", "Per day"
    PER_BOOKING = "Per Booking", "Per booking"
    FREE = "Free", "Free"


class BookingAccess(models.TextChoices):
    """Who may book a piece of equipment besides its own lab."""

    LAB = "lab", "Internal only: the lab's members"
    ORGANISATION = "organisation", "The lab's organisation"
    EXTERNAL = "external", "External users too"


class Equipment(models.Model):
    """A bookable instrument; a child asset names its parent."""

    lab = models.ForeignKey(
        Account,
        on_delete=models.PROTECT,
        related_name="equipment",
        limit_choices_to={"account_type": AccountType.LAB},
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    room = models.CharField(max_length=120, blank=True)
    availability_status = models.CharField(
        max_length=20, choices=AvailabilityStatus.choices, default=AvailabilityStatus.AVAILABLE
    )
    model = models.CharField(max_length=120, blank=True)
    manufacturer = models.CharField(max_length=120, null=True, blank=True)
    city = models.CharField(max_length=120, blank=True)
    country = models.CharField(max_length=120, blank=True)
    currency = models.CharField(max_length=3, default="GBP")
    charging_type = models.CharField(
        max_length=20, choices=ChargingType.choices, default=ChargingType.PER_HOUR
    )
    hourly_rate = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="equipment"
    )
    sub_category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="equipment_in_sub_category"
    )
    contact_person = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="equipment_contacts"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    booking_access = models.CharField(
        max_length=12, choices=BookingAccess.choices, default=BookingAccess.ORGANISATION
    )
    auto_approve_lab_members = models.BooleanField(
        default=False, help_text="Requests by the lab's own members are Booked at once."
    )
    manufacturing_year = models.CharField(max_length=4, blank=True)
    serial_number = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "equipment"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="equipment_newest"),
            models.Index(fields=["lab", "-created_at", "-id"], name="equipment_lab_newest"),
            models.Index(fields=["parent"], name="equipment_parent"),
            models.Index(fields=["updated_at"], name="equipment_updated"),
        ]
        constraints = [
            models.CheckConstraint(
                name="equipment_is_not_its_own_parent",
                condition=~models.Q(parent=models.F("id")),
                violation_error_message="A piece of equipment cannot be its own parent.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def root_id(self) -> int | None:
        """The asset whose family this one books: its parent, or itself."""
        return self.parent_id or self.pk

    @property
    def location(self) -> str:
        """Where it is, as calendar events write it (feeds and e-mail): its room and city."""
        return ", ".join(part for part in (self.room, self.city) if part)

    def clean(self) -> None:
        if self.lab_id and self.lab.account_type != AccountType.LAB:
            raise ValidationError({"lab": "Equipment belongs to a lab."})
        if self.parent_id:
            if self.parent_id == self.pk:
                raise ValidationError({"parent": "A piece of equipment cannot be its own parent."})
            if self.parent.parent_id:
                raise ValidationError({"parent": "A child asset cannot have children of its own."})
            if self.lab_id and self.parent.lab_id != self.lab_id:
                raise ValidationError({"parent": "A child asset belongs to its parent's lab."})
        if self.sub_category_id and self.sub_category.parent_id is None:
            raise ValidationError({"sub_category": "A sub-category must have a parent category."})
