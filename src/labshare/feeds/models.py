"""Calendar feeds: a user's subscription URL for one equipment, one lab or their own bookings."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from labshare.accounts.models import Account, AccountType, User
from labshare.equipment.models import Equipment


class FeedKind(models.TextChoices):
    EQUIPMENT = "equipment", "Equipment"
    LAB = "lab", "Lab"
    USER = "user", "My bookings"


class CalendarFeed(models.Model):
    """The URL's token is an HMAC of (kind, object, user, generation) (tokens.py): nothing
    secret is stored, and replacing or revoking the feed bumps `generation`, which ends every
    URL given before."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="calendar_feeds")
    kind = models.CharField(max_length=10, choices=FeedKind.choices)
    equipment = models.ForeignKey(
        Equipment, null=True, blank=True, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    lab = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="calendar_feeds",
        limit_choices_to={"account_type": AccountType.LAB},
    )
    generation = models.PositiveIntegerField(default=1)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "id"]
        constraints = [
            models.CheckConstraint(
                name="calendar_feed_names_its_object",
                condition=(
                    Q(kind=FeedKind.EQUIPMENT, equipment__isnull=False, lab__isnull=True)
                    | Q(kind=FeedKind.LAB, equipment__isnull=True, lab__isnull=False)
                    | Q(kind=FeedKind.USER, equipment__isnull=True, lab__isnull=True)
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "equipment"],
                condition=Q(kind=FeedKind.EQUIPMENT),
                name="calendar_feed_one_per_equipment",
            ),
            models.UniqueConstraint(
                fields=["user", "lab"], condition=Q(kind=FeedKind.LAB), name="calendar_feed_one_per_lab"
            ),
            models.UniqueConstraint(
                fields=["user"], condition=Q(kind=FeedKind.USER), name="calendar_feed_one_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} feed {self.pk} of {self.user}"

    @property
    def object_id(self) -> int:
        return self.equipment_id or self.lab_id or self.user_id
