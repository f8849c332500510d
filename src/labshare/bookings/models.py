"""Bookings, their notes, and the custom forms answered for them."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from labshare.accounts.models import Account, AccountType, Group, User
from labshare.bookings.forms_schema import validate_answers, validate_form_fields
from labshare.equipment.models import ChargingType, Equipment
from labshare.projects.models import FundingCode, Project


class BookingStatus(models.TextChoices):
    REQUESTED = "Requested", "Requested"
    BOOKED = "Booked", "Booked"
    COMPLETED = "Completed", "Completed"
    CANCELLED = "Cancelled", "Cancelled"
    DECLINED = "Declined", "Declined"


# The statuses that hold a slot: no two such bookings overlap in one equipment family.
ACTIVE_STATUSES = (BookingStatus.REQUESTED, BookingStatus.BOOKED)


class BookingType(models.TextChoices):
    INTERNAL = "internal", "Internal"
    EXTERNAL = "external", "External"
    MAINTENANCE = "maintenance", "Maintenance"


class Booking(models.Model):
    """A slot on a piece of equipment, provided by its lab to a requester."""

    equipment = models.ForeignKey(Equipment, on_delete=models.PROTECT, related_name="bookings")
    # The family the booking occupies: the equipment's parent, or the equipment itself. One
    # Requested or Booked booking at a time per family (services.py; on PostgreSQL also an
    # exclusion constraint, migration 0005).
    root_equipment = models.ForeignKey(
        Equipment, on_delete=models.PROTECT, related_name="family_bookings", db_index=False
    )
    provider_lab = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="provided_bookings")
    provider_organisation = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requester = models.ForeignKey(User, on_delete=models.PROTECT, related_name="bookings")
    requester_lab = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="requested_bookings")
    requester_organisation = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requester_group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="bookings"
    )
    creator = models.ForeignKey(User, on_delete=models.PROTECT, related_name="bookings_created")
    start_time = models.DateTimeField()
    end_time = models.DateTimeField()
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=12, choices=BookingStatus.choices, default=BookingStatus.REQUESTED)
    booking_type = models.CharField(max_length=12, choices=BookingType.choices, default=BookingType.INTERNAL)
    cost = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, default="GBP")
    charging_type = models.CharField(
        max_length=20, choices=ChargingType.choices, default=ChargingType.PER_HOUR
    )
    duration = models.PositiveIntegerField(help_text="Minutes between start and end.")
    add_ons = models.TextField(blank=True)
    projects = models.ManyToManyField(Project, blank=True, related_name="bookings")
    funding_codes = models.ManyToManyField(FundingCode, blank=True, related_name="bookings")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The lists' order; the included columns let a page find its ids from the index
            # alone, and check the filters (start_time, status, updated_since) there too.
            models.Index(
                fields=["-created_at", "-id"],
                include=["provider_lab", "start_time", "status", "updated_at"],
                name="booking_newest_with_lab",
            ),
            models.Index(fields=["provider_lab", "-created_at", "-id"], name="booking_lab_newest"),
            models.Index(
                fields=["equipment", "-created_at", "-id"],
                include=["provider_lab", "start_time", "status", "updated_at"],
                name="booking_equipment_newest",
            ),
            models.Index(fields=["provider_lab", "updated_at"], name="booking_lab_updated"),
            # sort=updated_at: a walk's page, its cursor and its filters read from this index alone.
            models.Index(
                fields=["updated_at", "id"],
                include=["provider_lab", "start_time", "status"],
                name="booking_updated_with_lab",
            ),
            # A narrow start_time window: its rows, and what their page sorts on (api/queries.py).
            models.Index(
                fields=["provider_lab", "start_time"],
                include=["status", "created_at", "updated_at", "id"],
                name="booking_lab_start",
            ),
            # A status filter of a few labs' list: their page in the list's order, at once.
            models.Index(
                fields=["provider_lab", "status", "-created_at", "-id"], name="booking_lab_status_newest"
            ),
            # On PostgreSQL also booking_start_day_newest, an expression index (bookings/0008).
            models.Index(fields=["requester_lab"], name="booking_requester_lab"),
            models.Index(fields=["root_equipment", "start_time"], name="booking_family_start"),
        ]
        constraints = [
            models.CheckConstraint(
                name="booking_ends_after_it_starts",
                condition=models.Q(end_time__gt=models.F("start_time")),
                violation_error_message="A booking must end after it starts.",
            ),
            models.CheckConstraint(
                name="booking_cost_not_negative",
                condition=models.Q(cost__gte=0),
                violation_error_message="A booking's cost cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.equipment} {self.start_time:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs) -> None:
        self.derive_fields()
        if "update_fields" not in kwargs:
            self.updated_at = timezone.now()
        super().save(*args, **kwargs)

    def derive_fields(self) -> None:
        """Fill what follows from the equipment, the times and the labs (before full_clean too)."""
        if self.start_time and self.end_time:
            self.duration = int((self.end_time - self.start_time).total_seconds() // 60)
        if self.equipment_id:
            self.root_equipment_id = self.equipment.root_id
        if self.equipment_id and not self.provider_lab_id:
            self.provider_lab_id = self.equipment.lab_id
        if self.provider_lab_id and not self.provider_organisation_id:
            self.provider_organisation_id = self.provider_lab.organisation_id
        if self.requester_lab_id and not self.requester_organisation_id:
            self.requester_organisation_id = self.requester_lab.organisation_id

    def overlapping(self) -> "Booking | None":
        """The first other Requested or Booked booking of this one's family that overlaps it."""
        return (
            Booking.objects.filter(
                root_equipment_id=self.root_equipment_id,
                status__in=ACTIVE_STATUSES,
                start_time__lt=self.end_time,
                end_time__gt=self.start_time,
            )
            .exclude(pk=self.pk)
            .select_related("equipment", "provider_lab")
            .order_by("start_time", "id")
            .first()
        )

    def clean(self) -> None:
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            raise ValidationError({"end_time": "A booking must end after it starts."})
        if self.status in ACTIVE_STATUSES and self.equipment_id and self.start_time and self.end_time:
            self.derive_fields()
            other = self.overlapping()
            if other:
                raise ValidationError(
                    {"start_time": f"The slot overlaps booking {other.pk} of {other.equipment}."}
                )
        if self.equipment_id and self.provider_lab_id and self.equipment.lab_id != self.provider_lab_id:
            raise ValidationError({"provider_lab": "The provider lab is the equipment's lab."})
        if self.requester_lab_id and self.requester_lab.account_type != AccountType.LAB:
            raise ValidationError({"requester_lab": "The requester lab must be a lab."})
        if self.requester_group_id and self.requester_group.lab_id != self.requester_lab_id:
            raise ValidationError({"requester_group": "The group must belong to the requester lab."})


class BookingNote(models.Model):
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    message = models.TextField()
    is_public = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["booking", "is_public", "-created_at", "-id"], name="note_booking_newest"),
        ]

    def __str__(self) -> str:
        return self.message[:60]


class CustomForm(models.Model):
    """A form a lab asks requesters to fill in; its fields live in versions."""

    lab = models.ForeignKey(
        Account,
        on_delete=models.CASCADE,
        related_name="custom_forms",
        limit_choices_to={"account_type": AccountType.LAB},
    )
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class CustomFormVersion(models.Model):
    """One immutable revision of a form: a list of typed fields (see forms_schema)."""

    form = models.ForeignKey(CustomForm, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    fields = models.JSONField(validators=[validate_form_fields])
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["form", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["form", "number"], name="form_version_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.form.name} v{self.number}"

    def save(self, *args, **kwargs) -> None:
        validate_form_fields(self.fields)
        super().save(*args, **kwargs)


class CustomFormResponse(models.Model):
    """A requester's answers for one booking, validated against one form version.

    `answers` is a list aligned with the version's fields (null for headings and paragraphs).
    """

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="custom_form_responses")
    version = models.ForeignKey(CustomFormVersion, on_delete=models.PROTECT, related_name="responses")
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    answers = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["booking"], name="form_response_booking")]

    def __str__(self) -> str:
        return f"Response {self.pk} to {self.version}"

    def save(self, *args, **kwargs) -> None:
        validate_answers(self.version.fields, self.answers)
        if "update_fields" not in kwargs:
            self.updated_at = timezone.now()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.version_id:
            validate_answers(self.version.fields, self.answers)
