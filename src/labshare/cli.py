"""The `labshare` command.

`labshare serve` runs the production server, `labshare webhooks listen` a receiver of webhooks
for local development; `login`, `whoami`, `pull`, `report` and
`export` are the client toolkit (no Django); every other word is a Django management
command (`labshare migrate`, `labshare demo`, `labshare createsuperuser`, ...).
`labshare` or `labshare --help` lists them all, grouped.
"""

import importlib.util
import os
import sys
import textwrap

CLIENT_COMMANDS = ("login", "whoami", "pull", "report", "export")
HELP_WORDS = ([], ["--help"], ["-h"], ["help"])
# Django's and django-oauth-toolkit's commands that Labshare replaces: not listed, to avoid confusion.
REPLACED = {"runserver": "serve", "createapplication": "createapp"}


def main() -> None:
    words = sys.argv[1:]
    if words in HELP_WORDS:
        print(overview())
        return
    if words[:1] == ["serve"]:
        from labshare.serve import main as serve

        serve()
        return
    if words[:1] == ["webhooks"]:
        from labshare.webhooks.listen import main as webhooks

        webhooks(words[1:])
        return
    command = [word for word in words if word != "--debug"][:1]
    if command and command[0] in CLIENT_COMMANDS:
        if not _toolkit_installed():
            sys.exit(
                f"error: `labshare {command[0]}` is a toolkit command, and this is the server-only install.\n"
                "  Install the toolkit (pip install 'labshare[client]'), or run `labshare --help`."
            )
        from labshare.client.cli import main as client

        client(words)
        return
    if importlib.util.find_spec("django") is None:
        sys.exit(
            f"error: `labshare {words[0]}` is a server command, and this is the client-only install.\n"
            "  Install the server (pip install 'labshare[server]'), or run `labshare --help`."
        )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "labshare.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


def overview() -> str:
    """Every command, the toolkit's and the server's, grouped, with a line of help each."""
    lines = ["Usage: labshare COMMAND [OPTIONS]   (labshare COMMAND --help for its options)", ""]
    lines += ["Client toolkit (works against any Labshare or Calira server):"]
    if _toolkit_installed():
        lines += _rows(_toolkit_commands())
    else:
        lines.append("  (not installed: pip install 'labshare[client]')")
    lines += ["", "Server:"]
    server = _server_commands()
    if server is None:
        lines.append("  (not installed: pip install 'labshare[server]')")
        return "\n".join(lines)
    lines += _rows(
        [
            ("serve", "Run the production server (Granian)."),
            ("webhooks listen", "Receive, verify and print webhook deliveries (local development)."),
            *server.pop("Labshare"),
        ]
    )
    for group, commands in server.items():
        lines += ["", f"{group}:"]
        lines += textwrap.wrap(
            ", ".join(name for name, _ in commands), 96, initial_indent="  ", subsequent_indent="  "
        )
    lines += ["", "A toolkit failure ends in one or two lines and its exit code; --debug adds the traceback."]
    return "\n".join(lines)


def _toolkit_installed() -> bool:
    return all(importlib.util.find_spec(module) is not None for module in ("typer", "duckdb", "httpx"))


def _rows(commands: list[tuple[str, str]]) -> list[str]:
    return [f"  {name:<18}{help_text}" for name, help_text in commands]


def _toolkit_commands() -> list[tuple[str, str]]:
    import typer.main

    from labshare.client.cli import app

    group = typer.main.get_command(app)
    return [
        (name, (command.get_short_help_str(100)))
        for name, command in group.commands.items()  # type: ignore[attr-defined]
    ]


def _server_commands() -> dict[str, list[tuple[str, str]]] | None:
    """Django's management commands by group (Labshare's own with their help); None without Django."""
    if importlib.util.find_spec("django") is None:
        return None
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "labshare.settings")
    import django
    from django.core.management import get_commands, load_command_class

    django.setup()
    groups: dict[str, list[tuple[str, str]]] = {"Labshare": []}
    for name, app_name in sorted(get_commands().items()):
        if name in REPLACED:
            continue
        if app_name.startswith("labshare"):
            help_text = load_command_class(app_name, name).help.strip().splitlines()[0]
            groups["Labshare"].append((name, help_text))
        else:
            group = "Django" if app_name.startswith("django") else app_name
            groups.setdefault(f"{group} (management commands)", []).append((name, ""))
    return groups


if __name__ == "__main__":
    main()
