"""A real HTTP receiver for webhook tests: a threading http.server on a free port that keeps
every request and answers as its plan says (a status, after a delay, with extra headers)."""

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.time() when it arrived

    def verified(self, secret: str) -> dict:
        """The body, once the reference library has verified the signature with this secret."""
        return Webhook(secret).verify(self.body, self.headers)


@dataclass
class Reply:
    status: int = 204
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


class BatchServer(ThreadingHTTPServer):
    # The worker opens a batch of connections at once; the default backlog of 5 drops the
    # rest, whose SYNs are retried a second later.
    request_queue_size = 128


class Receiver:
    def __init__(self, plan: Callable[[int], Reply] | None = None) -> None:
        self.plan = plan or (lambda _: Reply())
        self.received: list[Received] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.received.append(
                        Received(
                            self.path, {k.lower(): v for k, v in self.headers.items()}, body, time.time()
                        )
                    )
                    reply = receiver.plan(len(receiver.received))
                time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args) -> None:
                pass

        self.server = BatchServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "Receiver":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count: int, seconds: float) -> list[Received]:
        deadline = time.monotonic() + seconds
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.received)


class Dribbler:
    """A raw socket server that reads a request, then answers a byte at a time, `pause`
    seconds apart (its headers first, then `body`): a receiver that holds a delivery open."""

    def __init__(self, pause: float, body: bytes = b"") -> None:
        self.pause = pause
        self.answer = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/hook"
        self.requests = 0
        self.thread = threading.Thread(target=self.serve, daemon=True)

    def serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:  # closed
                return
            threading.Thread(target=self.dribble, args=(connection,), daemon=True).start()

    def dribble(self, connection: socket.socket) -> None:
        with connection:
            connection.recv(65536)
            self.requests += 1
            try:
                for byte in self.answer:
                    connection.sendall(bytes([byte]))
                    time.sleep(self.pause)
            except OSError:  # the sender gave up
                pass

    def __enter__(self) -> "Dribbler":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.listener.close()
