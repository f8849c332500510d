"""`labshare serve`: the production WSGI server (gunicorn), one worker per core.

HOST and PORT set the address; any further arguments go to gunicorn.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "labshare.settings")
    import django

    django.setup()
    from labshare.demo.banner import print_banner

    extra = sys.argv[2:]
    if any(arg in ("-b", "--bind") or arg.startswith("--bind=") for arg in extra):
        sys.exit("labshare serve: set the address with HOST and PORT, not --bind.")
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "8000")
    workers = os.environ.get("WEB_CONCURRENCY", str(len(os.sched_getaffinity(0))))
    print_banner(f"http://{host}:{port}")
    sys.stdout.flush()
    os.execv(
        sys.executable,
        [
            sys.executable,
            "-m",
            "gunicorn",
            "labshare.wsgi",
            "--bind",
            f"{host}:{port}",
            "--workers",
            workers,
            "--access-logfile",
            "-",
            *extra,
        ],
    )
