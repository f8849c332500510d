"""`labshare serve`: the production server, Granian running the WSGI application, one worker per core.

Granian reads requests in Rust (tokio and hyper), so a client that sends its headers slowly
holds no Python thread, and gives up on headers after 10 s; the application runs in each
worker's pool of `WEB_THREADS` threads, which also bounds the database connections (one
per thread). HOST and PORT set the address; any further arguments go to granian.

Each request is logged once, by Labshare (labshare/request_log.py), so Granian's access log
stays off; with LOG_FORMAT=json Granian's own lines are JSON too. With metrics on and several
workers, the workers write their metrics to a fresh PROMETHEUS_MULTIPROC_DIR.
"""

import json
import os
import sys
import tempfile

from labshare.metrics import MULTIPROCESS_DIR_VARIABLE

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
        "--no-ws",
        *extra,
        app,
    ]


def granian_json_log_config() -> str:
    """A logging configuration file for Granian's own lines (startup, workers) as JSON."""
    config = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "labshare.log_format.JsonLineFormatter"}},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "json"}
        },
        "loggers": {"_granian": {"handlers": ["console"], "level": "INFO", "propagate": False}},
    }
    handle, name = tempfile.mkstemp(prefix="labshare-granian-log-", suffix=".json")
    with os.fdopen(handle, "w") as file:
        json.dump(config, file)
    return name


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "labshare.settings")
    import django

    django.setup()
    from django.conf import settings

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
    if settings.LABSHARE_METRICS_TOKEN and int(workers) > 1 and not os.environ.get(MULTIPROCESS_DIR_VARIABLE):
        # Fresh for each start: files left by an earlier run would add its counts to this one's.
        os.environ[MULTIPROCESS_DIR_VARIABLE] = tempfile.mkdtemp(prefix="labshare-metrics-")
    if settings.LOG_FORMAT == "json":
        extra = ["--log-config", granian_json_log_config(), *extra]
    else:
        print_banner(f"http://{host}:{port}")  # for a person at a terminal; a JSON log is for machines
        sys.stdout.flush()
    os.execv(sys.executable, granian_command(host, port, workers, threads, extra))
