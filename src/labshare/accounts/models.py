"""Accounts (organisations, departments, labs), users, lab memberships and groups."""

import zoneinfo

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.timezone import now


class Sector(models.TextChoices):
    ACADEMIA = "academia", "Academia"
    INDUSTRY = "industry", "Industry"
    GOVERNMENT = "government", "Government"
    HEALTHCARE = "healthcare", "Healthcare"
    NON_PROFIT = "non_profit", "Non-profit"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with their email address."""

    email = models.EmailField(unique=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    sector = models.CharField(max_length=20, choices=Sector.choices, default=Sector.ACADEMIA)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    class Meta:
        ordering = ["last_name", "first_name", "id"]

    def __str__(self) -> str:
        return self.name or self.email

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.first_name


class AccountType(models.TextChoices):
    ORGANISATION = "organisation", "Organisation"
    DEPARTMENT = "department", "Department"
    LAB = "lab", "Lab"


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not an IANA time zone, e.g. Europe/London.")


class Account(models.Model):
    """An organisation, a department or a lab.

    The hierarchy: an organisation holds departments and labs; a department belongs to
    an organisation and holds only labs; a lab belongs to a department (and so to its
    organisation), directly to an organisation, or to nothing (an independent lab).
    Check constraints and triggers (migration 0002) enforce it in the database too.
    """

    account_type = models.CharField(max_length=12, choices=AccountType.choices)
    name = models.CharField(max_length=200)
    sector = models.CharField(max_length=20, choices=Sector.choices, default=Sector.ACADEMIA)
    description = models.TextField(blank=True)
    timezone = models.CharField(max_length=64, default="Europe/London", validators=[validate_timezone])
    organisation = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members_of_organisation",
        limit_choices_to={"account_type": AccountType.ORGANISATION},
    )
    department = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="labs_of_department",
        limit_choices_to={"account_type": AccountType.DEPARTMENT},
    )
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="account_newest"),
            models.Index(fields=["account_type", "name"], name="account_type_name"),
        ]
        constraints = [
            models.CheckConstraint(
                name="organisation_has_no_parent",
                condition=~Q(account_type="organisation")
                | Q(organisation__isnull=True, department__isnull=True),
                violation_error_message="An organisation cannot belong to another account.",
            ),
            models.CheckConstraint(
                name="department_belongs_to_organisation_only",
                condition=~Q(account_type="department")
                | Q(organisation__isnull=False, department__isnull=True),
                violation_error_message="A department belongs to one organisation and to no department.",
            ),
            models.CheckConstraint(
                name="lab_in_department_has_its_organisation",
                condition=~Q(account_type="lab") | Q(department__isnull=True) | Q(organisation__isnull=False),
                violation_error_message="A lab in a department belongs to that department's organisation.",
            ),
            models.CheckConstraint(
                name="account_type_is_known",
                condition=Q(account_type__in=AccountType.values),
                violation_error_message="The account type must be organisation, department or lab.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_account_type_display().lower()})"

    def save(self, *args, **kwargs) -> None:
        # A lab in a department always sits in that department's organisation.
        if self.account_type == AccountType.LAB and self.department_id and not self.organisation_id:
            self.organisation_id = self.department.organisation_id
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        hierarchy_errors(self)

    @property
    def zoneinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


def hierarchy_errors(account: Account) -> None:
    """Raise a ValidationError naming the hierarchy rule the account breaks, if any."""
    kind = account.account_type
    organisation = account.organisation if account.organisation_id else None
    department = account.department if account.department_id else None
    if kind == AccountType.ORGANISATION:
        if organisation or department:
            raise ValidationError("An organisation cannot belong to another account.")
    elif kind == AccountType.DEPARTMENT:
        if department:
            raise ValidationError(
                {"department": "A department cannot belong to a department: it belongs to an organisation."}
            )
        if organisation is None:
            raise ValidationError({"organisation": "A department must belong to an organisation."})
    elif kind == AccountType.LAB and department and department.account_type != AccountType.DEPARTMENT:
        raise ValidationError({"department": "A lab's department must be an account of type department."})
    if organisation and organisation.account_type != AccountType.ORGANISATION:
        raise ValidationError({"organisation": "The organisation must be an account of type organisation."})
    if (
        kind == AccountType.LAB
        and department
        and organisation
        and department.organisation_id != organisation.pk
    ):
        raise ValidationError(
            {"organisation": "A lab in a department belongs to that department's organisation."}
        )
    if account.pk and (account.organisation_id == account.pk or account.department_id == account.pk):
        raise ValidationError("An account cannot belong to itself.")


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", "Administrator"
    MEMBER = "member", "Member"


class Membership(models.Model):
    """A user's place in a lab."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    lab = models.ForeignKey(
        Account,
        on_delete=models.CASCADE,
        related_name="memberships",
        limit_choices_to={"account_type": AccountType.LAB},
    )
    role = models.CharField(max_length=15, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "lab"], name="one_membership_per_lab"),
        ]
        indexes = [models.Index(fields=["lab", "role"], name="membership_lab_role")]

    def __str__(self) -> str:
        return f"{self.user} in {self.lab.name} ({self.role})"

    def clean(self) -> None:
        if self.lab_id and self.lab.account_type != AccountType.LAB:
            raise ValidationError({"lab": "Only a lab has members."})


class Group(models.Model):
    """A group of a lab's users, with the equipment they share."""

    lab = models.ForeignKey(
        Account,
        on_delete=models.CASCADE,
        related_name="groups",
        limit_choices_to={"account_type": AccountType.LAB},
    )
    name = models.CharField(max_length=200)
    members = models.ManyToManyField(User, blank=True, related_name="lab_groups")
    equipment = models.ManyToManyField("equipment.Equipment", blank=True, related_name="groups")
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["lab", "-created_at", "-id"], name="group_lab_newest")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.lab_id and self.lab.account_type != AccountType.LAB:
            raise ValidationError({"lab": "A group belongs to a lab."})
