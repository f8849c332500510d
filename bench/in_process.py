"""CPU and wall time a request in one process, through Django's test client: what the
framework and the view cost, without a server or the network.

    DATABASE_URL=postgres://... REDIS_URL=redis://... python bench/in_process.py booking_detail

Runs the bench's own figures (bench/run.py `scenarios`) against the database DATABASE_URL
names, which must hold a demo set (`labshare demo`). Each request is logged as served, to
/dev/null.
"""

import argparse
import logging
import os
import time

import run


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("figures", nargs="*", help="figure names (default: all five)")
    parser.add_argument("--requests", type=int, default=2000, help="requests a round")
    parser.add_argument("--rounds", type=int, default=3)
    return parser.parse_args()


def main() -> None:
    args = arguments()
    run.setup_django({})
    from django.test import Client

    for handler in logging.getLogger("labshare.requests").handlers:
        handler.setStream(open(os.devnull, "w"))  # noqa: SIM115 (open for the process's life)
    token, lab_ids = run.bench_token()
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    for scenario in run.scenarios(os.environ["DATABASE_URL"], lab_ids):
        if args.figures and scenario.name not in args.figures:
            continue
        paths = scenario.paths
        for path in paths[:200]:  # warm: prepared statements, caches, page starts
            assert client.get(path).status_code == 200, path
        for round_number in range(args.rounds):
            cpu, wall = time.process_time(), time.perf_counter()
            for i in range(args.requests):
                client.get(paths[i % len(paths)])
            cpu = (time.process_time() - cpu) / args.requests * 1000
            wall = (time.perf_counter() - wall) / args.requests * 1000
            print(f"{scenario.name}, round {round_number + 1}: CPU {cpu:.2f} ms, wall {wall:.2f} ms")


if __name__ == "__main__":
    main()
