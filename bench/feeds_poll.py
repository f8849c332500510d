"""What a calendar client's poll of a feed costs: an unchanged poll (304) against a full
render, with Django's test client on the small demo set, in one run, as a ratio.

    .venv/bin/python bench/feeds_poll.py [--polls 200]

Loads `labshare demo --size small` into a throwaway SQLite database (its own LABSHARE_VAR_DIR),
gives a member of the busiest equipment's lab its feed, and times both kinds of request.
"""

import argparse
import os
import sys
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--polls", type=int, default=200)
    arguments = parser.parse_args()
    os.environ["LABSHARE_VAR_DIR"] = tempfile.mkdtemp(prefix="labshare-feeds-bench-")
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "labshare.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db.models import Count
    from django.test import Client
    from django.utils import timezone

    from labshare.accounts.models import Membership
    from labshare.equipment.models import Equipment
    from labshare.feeds import services
    from labshare.feeds.models import FeedKind
    from labshare.feeds.selectors import Window, feed_bookings
    from labshare.feeds.tokens import feed_token

    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("demo", size="small", seed=1, stdout=quiet)
    equipment = Equipment.objects.annotate(n=Count("family_bookings")).order_by("-n", "id").first()
    memberships = Membership.objects.filter(lab_id=equipment.lab_id, user__is_active=True)
    member = memberships.select_related("user").order_by("id").first().user
    feed = services.subscribe(user=member, kind=FeedKind.EQUIPMENT, equipment=equipment)
    events = feed_bookings(feed, Window.around(timezone.now())).count()
    path = f"/feeds/{feed_token(feed)}.ics"
    client = Client()
    etag = client.get(path)["ETag"]

    def timed(**headers) -> float:
        started = time.perf_counter()
        for _ in range(arguments.polls):
            status = client.get(path, **headers).status_code
        assert status == (304 if headers else 200), status
        return (time.perf_counter() - started) / arguments.polls

    full, unchanged = timed(), timed(HTTP_IF_NONE_MATCH=etag)
    print(f"{equipment.name}: {events} events in the feed, {arguments.polls} requests each")
    print(f"full render: {full * 1000:.2f} ms; 304 poll: {unchanged * 1000:.2f} ms")
    print(f"ratio: {full / unchanged:.1f}x")


if __name__ == "__main__":
    sys.exit(main())
