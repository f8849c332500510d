"""What the equipment, lab and "my bookings" pages show of a user's feeds: the URL, with
Replace and Revoke, or a button to get one."""

from dataclasses import dataclass

from django.db.models import Q
from django.http import HttpRequest

from labshare.accounts.models import Account
from labshare.equipment.models import Equipment
from labshare.feeds.models import CalendarFeed, FeedKind
from labshare.feeds.tokens import feed_token
from labshare.oauth.discovery import web_url


@dataclass
class FeedPanel:
    kind: str
    title: str
    equipment: Equipment | None = None
    lab: Account | None = None
    feed: CalendarFeed | None = None
    url: str = ""

    @property
    def anchor(self) -> str:
        target = self.equipment or self.lab
        return f"feed-{self.kind}-{target.pk if target else 'mine'}"

    @property
    def webcal_url(self) -> str:
        return "webcal" + self.url.removeprefix("https").removeprefix("http")


def feed_panels(request: HttpRequest, wanted: list[FeedPanel]) -> list[FeedPanel]:
    """Fill in the user's active feeds for the panels wanted (one query)."""
    if not wanted:
        return wanted
    which = Q()
    for panel in wanted:
        which |= Q(kind=panel.kind, equipment=panel.equipment, lab=panel.lab)
    feeds = {
        (feed.kind, feed.equipment_id, feed.lab_id): feed
        for feed in CalendarFeed.objects.filter(which, user=request.user, active=True)
    }
    for panel in wanted:
        key = (
            panel.kind,
            panel.equipment.pk if panel.equipment else None,
            panel.lab.pk if panel.lab else None,
        )
        panel.feed = feeds.get(key)
        if panel.feed is not None:
            panel.url = f"{web_url(request)}/feeds/{feed_token(panel.feed)}.ics"
    return wanted


def equipment_panel(request: HttpRequest, equipment: Equipment) -> FeedPanel:
    return feed_panels(request, [FeedPanel(FeedKind.EQUIPMENT, f"{equipment.name}", equipment=equipment)])[0]


def lab_panel(request: HttpRequest, lab: Account) -> FeedPanel:
    return feed_panels(request, [FeedPanel(FeedKind.LAB, lab.name, lab=lab)])[0]


def my_panels(request: HttpRequest, labs: list[Account]) -> list[FeedPanel]:
    """The user's own bookings, then each of their labs."""
    wanted = [FeedPanel(FeedKind.USER, "My bookings")]
    wanted += [FeedPanel(FeedKind.LAB, lab.name, lab=lab) for lab in labs]
    return feed_panels(request, wanted)
