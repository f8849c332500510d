"""Projects of an account and the funding codes that pay for their bookings."""

from django.db import models
from django.utils import timezone

from labshare.accounts.models import Account, User


class Project(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="projects")
    name = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="projects_created"
    )
    supervisor = models.CharField(max_length=200, blank=True)
    additional_information = models.TextField(null=True, blank=True)
    selected_users = models.ManyToManyField(User, blank=True, related_name="selected_projects")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["account", "-created_at", "-id"], name="project_account_newest")]

    def __str__(self) -> str:
        return self.name


class FunderType(models.TextChoices):
    RESEARCH_COUNCIL = "research_council", "Research council"
    CHARITY = "charity", "Charity"
    INDUSTRY = "industry", "Industry"
    GOVERNMENT = "government", "Government"
    INTERNAL = "internal", "Internal"
    OTHER = "other", "Other"


class FundingCode(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="funding_codes")
    code = models.CharField(max_length=60)
    funder_name = models.CharField(max_length=200, blank=True)
    funder_type = models.CharField(max_length=20, choices=FunderType.choices, default=FunderType.OTHER)
    expiry_date = models.DateField(null=True, blank=True)
    allocated_amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    spent_amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, default="GBP")

    class Meta:
        ordering = ["project", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "code"], name="funding_code_unique_in_project"),
            models.CheckConstraint(
                name="funding_amounts_not_negative",
                condition=models.Q(allocated_amount__gte=0, spent_amount__gte=0),
                violation_error_message="Funding amounts cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return self.code
