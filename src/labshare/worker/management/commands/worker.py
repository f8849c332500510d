"""`labshare worker`: run the periodic jobs (labshare/worker/jobs.py) in a loop, each at its
own interval, until SIGTERM or SIGINT; `--once` runs each job once and exits."""

import logging
import signal
import threading
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from labshare.worker.jobs import JOBS, Job

logger = logging.getLogger("labshare.worker")


class Command(BaseCommand):
    help = "Run the periodic jobs (completing ended bookings, webhook deliveries, ...) until stopped."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="Run each job once, then exit.")

    def handle(self, *args, once: bool = False, **options) -> None:
        if once:
            for job in JOBS:
                self.run(job)
            return
        stop = threading.Event()
        for sign in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sign, lambda *_: stop.set())
        due = dict.fromkeys(range(len(JOBS)), time.monotonic())
        self.stdout.write(f"worker: {', '.join(job.name for job in JOBS)}")
        self.stdout.flush()
        while not stop.is_set():
            for index, job in enumerate(JOBS):
                if due[index] <= time.monotonic():
                    close_old_connections()  # a long-running process: drop stale connections
                    busy = self.run(job)
                    due[index] = time.monotonic() + (0 if busy and job.again_when_busy else job.every_seconds)
            stop.wait(max(0.0, min(due.values()) - time.monotonic()))

    def run(self, job: Job) -> bool:
        """Run the job; answers whether it did something."""
        try:
            done = job.run()
        except Exception:  # one failing run must not stop the others; it is retried next time
            logger.exception("worker: %s failed", job.name)
            return False
        if done:
            self.stdout.write(f"worker: {job.name}: {done}")
            self.stdout.flush()
        return bool(done)
