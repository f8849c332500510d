"""How long `labshare migrate` takes for the migrations added since a commit, on the bench's data.

On a copy of the bench database (`CREATE DATABASE ... TEMPLATE`), each app that gained
migrations since the commit is migrated back to its last migration of that commit (or to
zero, for an app that did not exist), then `labshare migrate` runs forward and is timed, then
once more with nothing to do (the command's own start-up, to subtract). Which migrations are
new is read from the files: a migration whose file is not in the commit's tree. The copy is
dropped at the end. Nothing in the bench database itself changes.

    .venv/bin/python bench/migrate_bench.py --database-url postgres://.../labshare_bench --since b04a1c9
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

BENCH_DIR = Path(__file__).resolve().parent
REPOSITORY = BENCH_DIR.parent
LABSHARE = str(Path(sys.executable).parent / "labshare")


def files_at(commit: str) -> set[str]:
    listed = subprocess.run(
        ["git", "-C", str(REPOSITORY), "ls-tree", "-r", "--name-only", commit],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(listed.splitlines())


def rollback_targets(commit: str) -> tuple[list[str], dict[str, str]]:
    """The migrations not in `commit` ("app.name"), and for each app that has some, the
    migration to go back to: its newest one of that commit, or "zero"."""
    from django.db.migrations.loader import MigrationLoader

    old_files = files_at(commit)
    loader = MigrationLoader(None, ignore_no_migrations=True)
    new, old_by_app = [], {}
    for (app, name), migration in sorted(loader.disk_migrations.items()):
        path = Path(sys.modules[migration.__module__].__file__).resolve()
        relative = str(path.relative_to(REPOSITORY)) if path.is_relative_to(REPOSITORY / "src") else None
        if relative is None:
            continue  # a dependency's migration, not this project's
        if relative in old_files:
            old_by_app.setdefault(app, []).append(name)
        else:
            new.append((app, name))
    targets = {}
    for app, _ in new:
        old = old_by_app.get(app, [])
        targets[app] = newest_of(loader, app, old) if old else "zero"
    return [f"{app}.{name}" for app, name in new], targets


def newest_of(loader, app: str, names: list[str]) -> str:
    """The one of `names` that every other depends on, directly or not (the last applied)."""
    for name in names:
        ancestors = set(loader.graph.forwards_plan((app, name)))
        if all((app, other) in ancestors for other in names):
            return name
    return max(names)


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


# Back to each app's target in one process (one start-up, whatever the number of apps).
ROLL_BACK = """import sys, django
django.setup()
from django.core.management import call_command
for app, target in zip(sys.argv[1::2], sys.argv[2::2]):
    call_command("migrate", app, target, interactive=False, verbosity=0)
"""


def roll_back(env: dict, targets: dict[str, str]) -> None:
    pairs = [item for pair in targets.items() for item in pair]
    settings = {"DJANGO_SETTINGS_MODULE": "labshare.settings", **env}
    subprocess.run([sys.executable, "-c", ROLL_BACK, *pairs], env=settings, check=True)


def migrate(env: dict, *arguments: str) -> float:
    started = time.monotonic()
    subprocess.run([LABSHARE, "migrate", "--no-input", "-v0", *arguments], env=env, check=True)
    return time.monotonic() - started


def measure(url: str, since: str, env: dict) -> dict:
    """Copy the database, roll the new migrations back on the copy, time them forward."""
    from django.db import connections

    new, targets = rollback_targets(since)
    result = {"since": since, "applied": new, "rolled_back_to": targets}
    if not new:
        return {**result, "seconds": 0.0, "copy_seconds": None, "no_op_seconds": None}
    source = urlsplit(url).path.lstrip("/")
    copy = f"{source}_migrate_copy"
    maintenance = with_database(url, "postgres")
    connections.close_all()  # a template may have no other session
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
        started = time.monotonic()
        connection.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{source}"')
        copy_seconds = time.monotonic() - started
    copy_env = {**env, "DATABASE_URL": with_database(url, copy)}
    try:
        roll_back(copy_env, targets)
        seconds = migrate(copy_env)
        no_op = migrate(copy_env)
    finally:
        with psycopg.connect(maintenance, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
    return {
        **result,
        "seconds": round(seconds, 2),
        "no_op_seconds": round(no_op, 2),
        "copy_seconds": round(copy_seconds, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"), required=False)
    parser.add_argument("--since", default="b04a1c9", help="The commit to time from. Default: b04a1c9.")
    args = parser.parse_args()
    if not args.database_url:
        parser.error("--database-url (or BENCH_DATABASE_URL) names the bench database")
    env = {**os.environ, "DATABASE_URL": args.database_url, "LOG_LEVEL": "ERROR"}
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "labshare.settings")
    import django

    django.setup()
    result = measure(args.database_url, args.since, env)
    print(
        f"labshare migrate of {len(result['applied'])} migration(s) added since {args.since}: "
        f"{result['seconds']:.1f} s (with nothing to do: {result['no_op_seconds']} s; "
        f"copying the database: {result['copy_seconds']} s)"
    )
    for name in result["applied"]:
        print(f"  {name}")


if __name__ == "__main__":
    main()
