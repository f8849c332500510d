"""Who may book what, who runs a lab, what a requester may charge: the rules the pages,
the write API and the domain functions share."""

from django.db.models import Q, QuerySet

from labshare.accounts.models import Account, Membership, Role, User
from labshare.bookings.models import CustomFormVersion
from labshare.equipment.models import BookingAccess, Equipment
from labshare.projects.models import Project


def member_labs(user: User) -> QuerySet[Account]:
    return Account.objects.filter(memberships__user=user).order_by("name", "id")


def administered_lab_ids(user: User) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(Membership.objects.filter(user=user, role=Role.ADMINISTRATOR).values_list("lab_id", flat=True))


def is_lab_administrator(user: User, lab_id: int) -> bool:
    return Membership.objects.filter(user=user, lab_id=lab_id, role=Role.ADMINISTRATOR).exists()


def is_member(user: User, lab_id: int) -> bool:
    return Membership.objects.filter(user=user, lab_id=lab_id).exists()


def is_external(provider_lab: Account, requester_lab: Account) -> bool:
    """Someone of another organisation, or of another lab when the provider is independent."""
    if requester_lab.pk == provider_lab.pk:
        return False
    return (
        provider_lab.organisation_id is None or requester_lab.organisation_id != provider_lab.organisation_id
    )


def lab_may_book(requester_lab: Account, equipment: Equipment) -> bool:
    """Whether a member of `requester_lab` may request `equipment`, by its booking access."""
    provider = equipment.lab
    if requester_lab.pk == provider.pk or equipment.booking_access == BookingAccess.EXTERNAL:
        return True
    if equipment.booking_access == BookingAccess.ORGANISATION:
        return not is_external(provider, requester_lab)
    return False


def bookable_equipment(user: User) -> QuerySet[Equipment]:
    """The equipment a user may request through one of their labs."""
    labs = list(member_labs(user).values_list("pk", "organisation_id"))
    lab_ids = [pk for pk, _ in labs]
    organisation_ids = [org for _, org in labs if org is not None]
    return Equipment.objects.filter(
        Q(lab_id__in=lab_ids)
        | Q(booking_access=BookingAccess.EXTERNAL)
        | Q(booking_access=BookingAccess.ORGANISATION, lab__organisation_id__in=organisation_ids)
    )


def requester_lab_for(user: User, equipment: Equipment) -> Account | None:
    """The lab a user books through when they do not say: the equipment's own lab, else a lab
    of its organisation, else any lab that may book it."""
    labs = [lab for lab in member_labs(user) if lab_may_book(lab, equipment)]
    for preferred in (
        lambda lab: lab.pk == equipment.lab_id,
        lambda lab: not is_external(equipment.lab, lab),
        lambda lab: True,
    ):
        for lab in labs:
            if preferred(lab):
                return lab
    return None


def chargeable_projects(user: User, lab: Account) -> QuerySet[Project]:
    """Projects of the lab, its department or its organisation that are open to the user
    (a project with selected users is open to them only)."""
    accounts = [pk for pk in (lab.pk, lab.department_id, lab.organisation_id) if pk]
    return (
        Project.objects.filter(account_id__in=accounts)
        .filter(Q(selected_users=None) | Q(selected_users=user))
        .distinct()
        .order_by("name", "id")
    )


def current_form_version(lab: Account) -> CustomFormVersion | None:
    """The lab's custom form as requesters answer it today: its newest form's newest version."""
    return (
        CustomFormVersion.objects.filter(form__lab=lab)
        .select_related("form")
        .order_by("-form__created_at", "-form_id", "-number")
        .first()
    )
