"""`labshare webhooks listen --port P [--secret whsec_...]`: a receiver for local development.
It prints each delivery and, given the endpoint's secret, verifies it with the Standard
Webhooks reference library: 204 when it verifies (or without a secret), 400 when it does not."""

import argparse
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

MAX_BODY = 1024 * 1024


def handler_for(webhook: Webhook | None, out) -> type[BaseHTTPRequestHandler]:
    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY)
            body = self.rfile.read(length)
            message_id = self.headers.get("webhook-id", "-")
            if webhook is None:
                verdict, status = "not verified (no --secret)", 204
            else:
                try:
                    webhook.verify(body, dict(self.headers.items()))
                    verdict, status = "verified", 204
                except (WebhookVerificationError, ValueError) as error:
                    verdict, status = f"REJECTED: {error}", 400
            try:
                event = json.loads(body)
                summary = f"{event.get('type')} {event.get('id')} {event.get('action')}"
            except ValueError:
                summary = "(not JSON)"
            print(f"{message_id} {summary}: {verdict}", file=out)
            print(body.decode("utf-8", "replace"), file=out, flush=True)
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args) -> None:  # the lines above say it all
            pass

    return Receiver


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="labshare webhooks", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    listen = commands.add_parser("listen", help="Receive, verify and print deliveries.")
    listen.add_argument("--port", type=int, required=True)
    listen.add_argument("--host", default="127.0.0.1")
    listen.add_argument("--secret", help="the endpoint's signing secret, whsec_...")
    options = parser.parse_args(argv)
    try:
        webhook = Webhook(options.secret) if options.secret else None
    except ValueError as error:  # a secret that is not base64
        parser.error(f"--secret: not a whsec_ secret ({error})")
    server = ThreadingHTTPServer((options.host, options.port), handler_for(webhook, sys.stdout))
    print(f"listening on http://{options.host}:{server.server_port}/ (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
