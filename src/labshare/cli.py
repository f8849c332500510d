"""The `labshare` command.

`labshare serve` runs the production server; every other word is a Django management
command (`labshare migrate`, `labshare demo`, `labshare createsuperuser`, ...).
"""

import os
import sys


def main() -> None:
    if sys.argv[1:2] == ["serve"]:
        from labshare.serve import main as serve

        serve()
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "labshare.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
