"""The client half of the `labshare` command: login, whoami, pull, report, export (no Django)."""

import logging
import os
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated
from urllib.parse import urlparse

import duckdb
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from labshare.client import oauth
from labshare.client.api import Client
from labshare.client.config import Endpoints
from labshare.client.errors import LabshareClientError, LocalDataError
from labshare.client.store import Store
from labshare.client.sync import Puller
from labshare.client.tables import RESOURCES
from labshare.client.tokens import TokenStore

COMMANDS = ("login", "whoami", "pull", "report", "export")
STATE_FILE = ".labshare.duckdb"  # the sync state kept inside a Parquet or CSV folder

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals hold tokens: never print them
    help="Labshare client: take the data where you need it.",
)
export_app = typer.Typer(no_args_is_help=True, help="Export pulled data.")
app.add_typer(export_app, name="export")
console = Console(stderr=True)


def say(message: str) -> None:
    """A line on stderr, never wrapped (a URL must stay copyable from any terminal)."""
    console.print(message, soft_wrap=True, highlight=False, markup=False)


@app.command()
def login(
    client_id: Annotated[str, typer.Option(envvar="LABSHARE_CLIENT_ID", help="The application's client id.")],
    client_secret: Annotated[
        str | None, typer.Option(envvar="LABSHARE_CLIENT_SECRET", help="Its secret (confidential apps).")
    ] = None,
    server: Annotated[
        str, typer.Option(envvar="LABSHARE_WEB_URL", help="The web app: OAuth pages and token endpoint.")
    ] = "http://127.0.0.1:8000",
    api_url: Annotated[
        str | None, typer.Option(envvar="LABSHARE_API_URL", help="The API base; default <server>/v1/.")
    ] = None,
    refresh_token: Annotated[
        str | None,
        typer.Option(
            envvar="LABSHARE_REFRESH_TOKEN", help="Sign in with this refresh token instead of the browser."
        ),
    ] = None,
    scopes: Annotated[str, typer.Option(help="Space-separated scopes to ask for.")] = " ".join(
        oauth.ALL_SCOPES
    ),
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Print the sign-in URL instead of opening it.")
    ] = False,
) -> None:
    """Connect to a server and save the tokens (0600, in LABSHARE_CLIENT_HOME or your config dir)."""
    endpoints = Endpoints.from_urls(server, api_url)
    store = TokenStore()
    if refresh_token:
        credentials = oauth.login_with_refresh_token(endpoints, client_id, client_secret, refresh_token)
    else:

        def show(url: str) -> None:
            say("Sign in and choose your labs at:")
            say(url)
            if not no_browser:
                import webbrowser

                webbrowser.open(url)

        credentials = oauth.login_with_browser(
            endpoints, client_id, client_secret, tuple(scopes.split()), show
        )
    store.save(credentials)
    say(f"Connected to {endpoints.api_url} (scopes: {credentials.scope}); saved in {store.path}.")


@app.command()
def whoami() -> None:
    """Show the signed-in user (GET /v1/user)."""
    with Client.from_store() as client:
        user = client.user()
        api_url = client.session.credentials.api_url
    typer.echo(f"{user['first_name']} {user['last_name']} (user {user['id']}) at {api_url}")


class RichProgress:
    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, int] = {}

    def add_total(self, resource: str, count: int) -> None:
        if resource not in self.tasks:
            self.tasks[resource] = self.progress.add_task(resource, total=count)
        else:
            task = self.tasks[resource]
            self.progress.update(task, total=(self.progress.tasks[task].total or 0) + count)

    def advance(self, resource: str, count: int) -> None:
        self.progress.advance(self.tasks[resource], count)


def _state_file(target: Path, file_format: str) -> Path:
    return target if file_format == "duckdb" else target / STATE_FILE


DUCKDB_SUFFIXES = (".duckdb", ".db")


def _format_of(target: Path, given: str | None) -> str:
    if given:
        if given not in ("duckdb", "parquet", "csv"):
            raise typer.BadParameter(f"must be duckdb, parquet or csv, not {given!r}.", param_hint="--format")
        file_format = given
    elif target.suffix in DUCKDB_SUFFIXES:
        file_format = "duckdb"
    elif target.suffix:
        raise typer.BadParameter(
            f"{target} is neither a .duckdb file nor a folder: name a .duckdb file, or a folder"
            " (with --format parquet or csv).",
            param_hint="TARGET",
        )
    else:
        file_format = "parquet"
    if file_format != "duckdb" and target.is_file():
        raise typer.BadParameter(f"{target} is a file: {file_format} needs a folder.", param_hint="TARGET")
    return file_format


@app.command()
def pull(
    target: Annotated[Path, typer.Argument(help="A .duckdb file, or a folder for Parquet or CSV files.")],
    file_format: Annotated[
        str | None, typer.Option("--format", help="duckdb, parquet or csv (default: from the target).")
    ] = None,
    resources: Annotated[str, typer.Option(help=f"Comma-separated: {','.join(RESOURCES)}.")] = ",".join(
        RESOURCES
    ),
    full: Annotated[
        bool, typer.Option("--full", help="Read every list in full, ignoring the last pull and its cursor.")
    ] = False,
    details: Annotated[
        bool, typer.Option(help="Fetch each changed record's details (cost, requester, projects).")
    ] = True,
    concurrency: Annotated[int, typer.Option(min=1, max=32, help="Requests in flight.")] = 8,
    schema: Annotated[
        str,
        typer.Option(
            help="Parquet and CSV: flat (a file per table, with child tables) or star (facts and dimensions)."
        ),
    ] = "flat",
) -> None:
    """Pull resources into DuckDB, Parquet or CSV; a second pull fetches only what changed."""
    file_format = _format_of(target, file_format)
    if schema not in ("flat", "star"):
        raise typer.BadParameter(f"must be flat or star, not {schema!r}.", param_hint="--schema")
    if schema == "star" and file_format == "duckdb":
        raise typer.BadParameter("star is for Parquet and CSV folders.", param_hint="--schema")
    chosen = [name.strip() for name in resources.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in RESOURCES]
    if unknown:
        raise typer.BadParameter(
            f"unknown {', '.join(unknown)}; choose from {', '.join(RESOURCES)}.", param_hint="--resources"
        )
    with Client.from_store(concurrency=concurrency) as client:  # signed in, before any file is made
        store = Store(_state_file(target, file_format))
        try:
            store.set_info("api_host", urlparse(client.session.credentials.api_url).hostname or "labshare")
            columns = (
                TextColumn("{task.description:<22}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
            )
            with Progress(*columns, console=console, transient=False) as bars:
                summaries = Puller(client, store, RichProgress(bars), details=details, full=full).pull(chosen)
            if file_format != "duckdb":
                say(f"Writing {file_format} files to {target}")
                store.export(target, file_format, chosen, schema)
        finally:
            store.close()
    for summary in summaries:
        deletions = f", {summary.deleted} deleted" if summary.deletions_checked else ""
        notes = f" ({'; '.join(summary.notes)})" if summary.notes else ""
        counts = f"{summary.read} read, {summary.written} written{deletions}"
        typer.echo(f"{summary.resource}: {summary.mode}, {counts}{notes}")
    followed = [summary.change_pages for summary in summaries if summary.mode == "changes"]
    if followed:
        typer.echo(f"followed /v1/changes: {followed[0]} answers")


def _pulled_db(source: Path) -> Path:
    path = source / STATE_FILE if source.is_dir() else source
    if not path.exists():
        raise LocalDataError(f"No pulled data at {source}.", f"Run `labshare pull {source}` first.")
    return path


@app.command()
def report(
    source: Annotated[Path, typer.Argument(help="A pulled .duckdb file, or a pulled Parquet/CSV folder.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The HTML file to write.")] = Path(
        "labshare-report.html"
    ),
    weeks: Annotated[int, typer.Option(min=1, max=520, help="How many weeks the report covers.")] = 12,
    until: Annotated[
        str | None, typer.Option(help="The last day covered (YYYY-MM-DD; default today).")
    ] = None,
    days: Annotated[str, typer.Option(help="Bookable days, e.g. mon-fri or mon,tue,sat.")] = "mon-fri",
    hours: Annotated[str, typer.Option(help="Bookable hours in each lab's time zone.")] = "08:00-18:00",
) -> None:
    """Write a self-contained HTML report: utilisation, who books, cost, outcomes, when."""
    from labshare.client.report import Calendar, build_report

    try:
        calendar = Calendar.parse(days, hours)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--days/--hours") from None
    try:
        last_day = date.fromisoformat(until) if until else None
    except ValueError:
        raise typer.BadParameter(
            f"must be a date like 2026-06-30, not {until!r}.", param_hint="--until"
        ) from None
    started = time.monotonic()
    written = build_report(_pulled_db(source), out, calendar, weeks, last_day, datetime.now(UTC), step=say)
    typer.echo(f"Wrote {written} in {time.monotonic() - started:.0f} s")


@export_app.command("ics")
def export_ics(
    source: Annotated[Path, typer.Argument(help="A pulled .duckdb file, or a pulled Parquet/CSV folder.")],
    equipment: Annotated[
        int | None, typer.Option(help="One equipment's bookings (with its child assets').")
    ] = None,
    lab: Annotated[int | None, typer.Option(help="Every booking a lab provides.")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="The .ics file to write.")] = Path("bookings.ics"),
) -> None:
    """Write bookings as an iCalendar (RFC 5545) feed for one equipment or one lab."""
    from labshare.client.ics import export_ics as write_ics

    if (equipment is None) == (lab is None):
        raise typer.BadParameter("give exactly one of them.", param_hint="--equipment/--lab")
    count = write_ics(_pulled_db(source), out, equipment_id=equipment, lab_id=lab)
    typer.echo(f"Wrote {count} events to {out}")


def main(argv: list[str]) -> None:
    """Run a toolkit command; a failure ends in one or two lines and its exit code
    (`--debug`, anywhere on the line, or LABSHARE_DEBUG=1 shows the traceback too)."""
    debug = "--debug" in argv or os.environ.get("LABSHARE_DEBUG") == "1"
    argv = [word for word in argv if word != "--debug"]
    # stamina logs each scheduled retry as a warning; the progress bars already show progress.
    logging.getLogger("stamina").setLevel(logging.ERROR)
    try:
        app(args=argv, prog_name="labshare")
    except LabshareClientError as exc:
        if debug:
            console.print_exception()
        say(f"error: {exc.message}")
        if exc.hint:
            say(f"  {exc.hint}")
        sys.exit(exc.exit_code)
    except (duckdb.Error, OSError) as exc:
        if debug:
            console.print_exception()
        say(f"error: {type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else exc!r}")
        say("  Run again with --debug for the traceback.")
        sys.exit(1)
