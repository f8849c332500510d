"""`labshare token`: an access and a refresh token, as JSON, from an application the user owns
(`--client-id`) or the demo application."""

import json

from django.core.management.base import BaseCommand, CommandError

from labshare.accounts.models import User
from labshare.oauth.forms import labs_of
from labshare.oauth.management.commands.createapp import parse_scopes
from labshare.oauth.models import Application
from labshare.oauth.tokens import demo_application, issue_tokens


class Command(BaseCommand):
    help = "Issue tokens for a user's labs, without the browser flow."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--user", required=True, help="The user's email.")
        parser.add_argument("--labs", default="all", help='"all" (every lab of the user) or lab ids: 3,7')
        parser.add_argument(
            "--scopes", help='e.g. "read_bookings read_equipment" (default: all the application\'s scopes)'
        )
        parser.add_argument(
            "--client-id",
            help="An application the user owns (default: the demo application, whose secret is never shown).",
        )

    def handle(self, *args, **options) -> None:
        user = User.objects.filter(email__iexact=options["user"]).first()
        if user is None:
            raise CommandError(f"No user has the email {options['user']}.")
        own_labs = {lab.pk: lab for lab in labs_of(user)}
        if options["labs"].strip() == "all":
            labs = list(own_labs.values())
        else:
            try:
                wanted = [int(part) for part in options["labs"].split(",") if part.strip()]
            except ValueError:
                raise CommandError('--labs takes "all" or lab ids separated by commas, e.g. 3,7.') from None
            foreign = [str(pk) for pk in wanted if pk not in own_labs]
            if foreign:
                raise CommandError(
                    f"{user.email} does not belong to lab(s) {', '.join(foreign)}; "
                    f"their labs are {', '.join(map(str, own_labs)) or 'none'}."
                )
            labs = [own_labs[pk] for pk in wanted]
        if not labs:
            raise CommandError(f"{user.email} belongs to no lab: there is nothing to authorise.")
        application = self.application(user, options["client_id"])
        scopes = parse_scopes(options["scopes"]) if options["scopes"] else application.scope_list
        beyond = [scope for scope in scopes if scope not in application.scope_list]
        if beyond:
            raise CommandError(
                f"{application.name} may not ask for {' '.join(beyond)}: its scopes are "
                f"{' '.join(application.scope_list)}."
            )
        tokens = issue_tokens(user, application, labs, scopes)
        tokens["labs"] = [lab.pk for lab in labs]
        self.stdout.write(json.dumps(tokens, indent=2))

    @staticmethod
    def application(user: User, client_id: str | None) -> Application:
        if client_id is None:
            return demo_application()
        application = Application.objects.filter(client_id=client_id).first()
        if application is None:
            raise CommandError(f"No application has the client id {client_id}.")
        if application.user_id != user.pk:
            raise CommandError(f"{user.email} does not own the application {application.name}.")
        return application
