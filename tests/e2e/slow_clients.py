"""Slow clients, as an attacker runs them: connections that send their request a little at a time.

Each slow-header connection sends a request line and then one header line every
`interval` seconds, never the blank line that ends the headers; each slow-body connection
sends complete headers declaring `Content-Length: 1000000`, then one byte of the body every
`interval` seconds. A connection the server closes is opened again at once, as an attacker
would, so the pressure holds for as long as the clients run. One thread drives them all.
"""

import socket
import threading
import time
from dataclasses import dataclass, field

SLOW_BODY_LENGTH = 1_000_000


@dataclass
class SlowConnection:
    kind: str  # "header" or "body"
    sock: socket.socket | None = None
    sent: int = 0


@dataclass
class SlowClients:
    host: str
    port: int
    headers: int = 50
    bodies: int = 10
    interval: float = 2.0
    reopened: int = 0
    _connections: list[SlowConnection] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def _open(self, connection: SlowConnection) -> None:
        connection.sock = socket.create_connection((self.host, self.port), timeout=5)
        connection.sent = 0
        if connection.kind == "header":
            connection.sock.sendall(b"GET /v1/user HTTP/1.1\r\nHost: " + self.host.encode() + b"\r\n")
        else:
            connection.sock.sendall(
                b"POST /oauth/token HTTP/1.1\r\nHost: "
                + self.host.encode()
                + b"\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                + f"Content-Length: {SLOW_BODY_LENGTH}\r\n\r\n".encode()
            )

    def _trickle(self, connection: SlowConnection) -> None:
        try:
            if connection.sock is None:
                raise OSError("not open")
            if connection.kind == "header":
                connection.sock.sendall(f"X-Slow-{connection.sent}: a\r\n".encode())
            else:
                connection.sock.sendall(b"a")
            connection.sent += 1
        except OSError:
            if connection.sock is not None:
                connection.sock.close()
                self.reopened += 1
            try:
                self._open(connection)
            except OSError:
                connection.sock = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            for connection in self._connections:
                self._trickle(connection)

    def start(self) -> None:
        kinds = ["header"] * self.headers + ["body"] * self.bodies
        self._connections = [SlowConnection(kind) for kind in kinds]
        for connection in self._connections:
            self._open(connection)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.interval + 5)
        for connection in self._connections:
            if connection.sock is not None:
                connection.sock.close()

    def open_count(self) -> int:
        return sum(connection.sock is not None for connection in self._connections)


def probe_while_held(probe, seconds: float, every: float = 0.5) -> list[tuple[float, object]]:
    """Run `probe()` every `every` seconds for `seconds`; its results, each with its start offset."""
    results = []
    started = time.monotonic()
    while (offset := time.monotonic() - started) < seconds:
        results.append((offset, probe()))
        time.sleep(every)
    return results
