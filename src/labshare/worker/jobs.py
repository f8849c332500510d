"""The periodic jobs `labshare worker` runs: add a job by adding it to JOBS."""

from collections.abc import Callable
from dataclasses import dataclass

from labshare.bookings.services import complete_ended_bookings
from labshare.changes.services import prune_changes
from labshare.webhooks import delivery
from labshare.webhooks.services import prune_deliveries


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: float
    run: Callable[[], int | None]  # returns how many things it did, if it counts
    # Run again at once while it finds work (webhook deliveries), instead of at its interval.
    again_when_busy: bool = False


JOBS: list[Job] = [
    Job("complete ended bookings", 60, lambda: complete_ended_bookings()),
    Job("prune the record of changes", 3600, lambda: prune_changes()),
    Job("prune the webhook delivery log", 3600, lambda: prune_deliveries()),
    Job("webhook deliveries", 0.2, delivery.run, again_when_busy=True),
]
