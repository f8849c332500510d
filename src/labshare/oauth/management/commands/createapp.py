"""`labshare createapp`: register an OAuth application and print its credentials as JSON."""

import json
import re

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from oauth2_provider.generators import generate_client_secret

from labshare.accounts.models import User
from labshare.oauth.models import SCOPES, Application


def parse_scopes(text: str) -> list[str]:
    """Scopes separated by spaces, commas or `+`; each must be one the API knows."""
    scopes = [scope for scope in re.split(r"[\s,+]+", text) if scope]
    unknown = [scope for scope in scopes if scope not in SCOPES]
    if unknown:
        raise CommandError(f"Unknown scope(s) {', '.join(unknown)}: choose from {' '.join(SCOPES)}.")
    if not scopes:
        raise CommandError(f"Give at least one scope: {' '.join(SCOPES)}.")
    return scopes


class Command(BaseCommand):
    help = "Register an OAuth application; print its client_id and client_secret as JSON."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument(
            "--redirect-uri", required=True, action="append", help="A callback URL; repeat for several."
        )
        parser.add_argument("--scopes", default=" ".join(SCOPES), help='e.g. "read_bookings read_equipment"')
        parser.add_argument("--public", action="store_true", help="A public client (PKCE required).")
        parser.add_argument("--owner", help="The email of the user who owns the application.")
        parser.add_argument("--company-name", default="")
        parser.add_argument("--website-url", default="")

    def handle(self, *args, **options) -> None:
        owner = None
        if options["owner"]:
            owner = User.objects.filter(email__iexact=options["owner"]).first()
            if owner is None:
                raise CommandError(f"No user has the email {options['owner']}.")
        secret = generate_client_secret()
        application = Application(
            name=options["name"],
            user=owner,
            company_name=options["company_name"],
            website_url=options["website_url"],
            client_type=Application.CLIENT_PUBLIC if options["public"] else Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=" ".join(options["redirect_uri"]),
            scopes=" ".join(parse_scopes(options["scopes"])),
            client_secret=secret,
        )
        try:
            application.full_clean(exclude=["client_secret"])
        except ValidationError as error:
            problems = (f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
            raise CommandError("; ".join(problems)) from None
        application.save()
        self.stdout.write(
            json.dumps(
                {
                    "client_id": application.client_id,
                    "client_secret": secret,
                    "name": application.name,
                    "client_type": application.client_type,
                    "redirect_uris": application.redirect_uris.split(),
                    "scopes": application.scope_list,
                },
                indent=2,
            )
        )
