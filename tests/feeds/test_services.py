"""subscribe, replace_feed and revoke_feed: who may follow what, and what each does to the URL."""

import pytest

from labshare.equipment.models import BookingAccess, Equipment
from labshare.feeds import services
from labshare.feeds.models import CalendarFeed, FeedKind
from labshare.feeds.services import FeedError, NotFound
from labshare.feeds.tokens import feed_token

pytestmark = pytest.mark.django_db


def test_it_gives_one_feed_per_user_and_object(microscope, dana, bob):
    first = services.subscribe(user=dana, kind=FeedKind.EQUIPMENT, equipment=microscope)
    again = services.subscribe(user=dana, kind=FeedKind.EQUIPMENT, equipment=microscope)
    bobs = services.subscribe(user=bob, kind=FeedKind.EQUIPMENT, equipment=microscope)

    assert again.pk == first.pk and feed_token(again) == feed_token(first)
    assert bobs.pk != first.pk and feed_token(bobs) != feed_token(first)
    assert CalendarFeed.objects.count() == 2


def test_equipment_feeds_are_for_whoever_sees_the_equipment(graphene_lab, bob, dana):
    glovebox = Equipment.objects.create(lab=graphene_lab, name="Glovebox", booking_access=BookingAccess.LAB)
    assert services.subscribe(user=dana, kind=FeedKind.EQUIPMENT, equipment=glovebox).active
    with pytest.raises(NotFound) as refused:
        services.subscribe(user=bob, kind=FeedKind.EQUIPMENT, equipment=glovebox)
    assert refused.value.field == "equipment"
    assert not CalendarFeed.objects.filter(user=bob).exists()


def test_lab_feeds_are_for_the_lab_s_members(graphene_lab, chemistry_lab, physics, dana):
    assert services.subscribe(user=dana, kind=FeedKind.LAB, lab=graphene_lab).lab == graphene_lab
    with pytest.raises(NotFound):
        services.subscribe(user=dana, kind=FeedKind.LAB, lab=chemistry_lab)
    with pytest.raises(FeedError) as not_a_lab:
        services.subscribe(user=dana, kind=FeedKind.LAB, lab=physics)
    assert not_a_lab.value.field == "lab"
    with pytest.raises(FeedError) as unknown:
        services.subscribe(user=dana, kind="everything")
    assert unknown.value.field == "kind"
    assert CalendarFeed.objects.count() == 1


def test_replacing_and_revoking_bump_the_generation(bob):
    feed = services.subscribe(user=bob, kind=FeedKind.USER)
    tokens = {feed_token(feed)}

    replaced = services.replace_feed(feed=feed, by=bob)
    tokens.add(feed_token(replaced))
    revoked = services.revoke_feed(feed=replaced, by=bob)
    assert not revoked.active
    with pytest.raises(FeedError):
        services.replace_feed(feed=revoked, by=bob)
    back = services.subscribe(user=bob, kind=FeedKind.USER)
    tokens.add(feed_token(back))

    assert back.pk == feed.pk and back.active and back.generation == 4
    assert len(tokens) == 3


def test_only_the_feed_s_user_replaces_or_revokes_it(bob, dana):
    feed = services.subscribe(user=bob, kind=FeedKind.USER)
    for action in (services.replace_feed, services.revoke_feed):
        with pytest.raises(NotFound) as refused:
            action(feed=feed, by=dana)
        assert refused.value.field == "feed"
    feed.refresh_from_db()
    assert feed.active and feed.generation == 1
