"""The calendar feeds' domain functions: one per action, each one transaction. The pages call
these and nothing else to change a feed."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from labshare.accounts.models import Account, AccountType, User
from labshare.equipment.models import Equipment
from labshare.feeds.access import feed_view
from labshare.feeds.models import CalendarFeed, FeedKind


class FeedError(Exception):
    """A rule refused the action; `field` names the parameter at fault."""

    status = 400

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(FeedError):
    """Nothing the user may subscribe to, or no feed of theirs: it must look like a wrong id."""

    status = 404


def _locked(feed: CalendarFeed, by: User) -> CalendarFeed:
    locked = CalendarFeed.objects.select_for_update().filter(pk=feed.pk, user=by).first()
    if locked is None:
        raise NotFound(f"You have no calendar feed {feed.pk}.", "feed")
    return locked


def _renew(feed: CalendarFeed, *, active: bool) -> CalendarFeed:
    feed.generation += 1
    feed.active = active
    feed.updated_at = timezone.now()
    feed.full_clean()
    feed.save(update_fields=["generation", "active", "updated_at"])
    return feed


@transaction.atomic
def subscribe(
    *, user: User, kind: str, equipment: Equipment | None = None, lab: Account | None = None
) -> CalendarFeed:
    """The user's feed of `equipment`, of `lab` or of their own bookings (kind "user"): the
    one they have, or a new one; a revoked one comes back with a new URL."""
    if kind == FeedKind.EQUIPMENT and equipment is None:
        raise FeedError("An equipment feed needs the equipment.", "equipment")
    if kind == FeedKind.LAB and (lab is None or lab.account_type != AccountType.LAB):
        raise FeedError("A lab feed needs a lab.", "lab")
    if kind not in FeedKind.values:
        raise FeedError(f"A feed is of one of {', '.join(FeedKind.values)}.", "kind")
    target = {
        "equipment": equipment if kind == FeedKind.EQUIPMENT else None,
        "lab": lab if kind == FeedKind.LAB else None,
    }
    wanted = CalendarFeed(user=user, kind=kind, **target)
    if feed_view(wanted) is None:
        raise NotFound(f"You may not follow this {wanted.get_kind_display().lower()}.", kind)
    feed = CalendarFeed.objects.select_for_update().filter(user=user, kind=kind, **target).first()
    if feed is not None:
        return feed if feed.active else _renew(feed, active=True)
    wanted.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            wanted.save()
    except IntegrityError:  # a second click that raced this one made it first
        return CalendarFeed.objects.get(user=user, kind=kind, **target)
    return wanted


@transaction.atomic
def replace_feed(*, feed: CalendarFeed, by: User) -> CalendarFeed:
    """A new URL for the feed; the one before stops answering."""
    feed = _locked(feed, by)
    if not feed.active:
        raise FeedError("A revoked feed cannot be replaced: subscribe again.", "feed")
    return _renew(feed, active=True)


@transaction.atomic
def revoke_feed(*, feed: CalendarFeed, by: User) -> CalendarFeed:
    """The feed's URL stops answering; subscribing again gives a new one."""
    return _renew(_locked(feed, by), active=False)
