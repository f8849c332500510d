"""The `labshare` command.

`labshare serve` runs the production server; `login`, `whoami`, `pull`, `report` and
`export` are the client toolkit (no Django); every other word is a Django management
command (`labshare migrate`, `labshare demo`, `labshare createsuperuser`, ...).
"""

import os
import sys

CLIENT_COMMANDS = ("login", "whoami", "pull", "report", "export")


def main() -> None:
    if sys.argv[1:2] == ["serve"]:
        from labshare.serve import main as serve

        serve()
        return
    if sys.argv[1:2] and sys.argv[1] in CLIENT_COMMANDS:
        from labshare.client.cli import main as client

        client(sys.argv[1:])
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "labshare.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
