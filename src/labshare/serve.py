"""`labshare serve`: the production server, Granian running the WSGI application, one worker per core.

Granian reads requests in Rust (tokio and hyper), so a client that sends its headers slowly
holds no Python thread, and gives up on headers after 10 s; the application runs in each
worker's pool of `WEB_THREADS` threads, which also bounds the database connections (one
per thread). HOST and PORT set the address; any further arguments go to granian.
"""

import os
import sys

# Whatever the caller passes on, the address comes from HOST and PORT.
ADDRESS_OPTIONS = ("-b", "--bind", "--host", "--port", "--uds")
HEADER_READ_TIMEOUT_MS = 10_000
DEFAULT_THREADS = "32"


def granian_command(
    host: str, port: str, workers: str, threads: str, extra: list[str], app: str = "labshare.wsgi:application"
) -> list[str]:
    return [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--host",
        host,
        "--port",
        port,
        "--workers",
        workers,
        "--blocking-threads",
        threads,
        "--http",
        "1",
        "--http1-header-read-timeout",
        str(HEADER_READ_TIMEOUT_MS),
        "--respawn-failed-workers",
        "--access-log",
        "--no-ws",
        *extra,
        app,
    ]


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "labshare.settings")
    import django

    django.setup()
    from labshare.demo.banner import print_banner

    extra = sys.argv[2:]
    if any(
        arg in ADDRESS_OPTIONS or arg.startswith(tuple(f"{o}=" for o in ADDRESS_OPTIONS)) for arg in extra
    ):
        sys.exit("labshare serve: set the address with HOST and PORT, not --bind, --host or --port.")
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "8000")
    workers = os.environ.get("WEB_CONCURRENCY", str(len(os.sched_getaffinity(0))))
    threads = os.environ.get("WEB_THREADS", DEFAULT_THREADS)
    print_banner(f"http://{host}:{port}")
    sys.stdout.flush()
    os.execv(sys.executable, granian_command(host, port, workers, threads, extra))
