"""PostgreSQL alone: a figure's own statements under pgbench, with nothing around them.

The statements are those the API runs for the figure's request, captured while the request is
rendered in this process (`connection.execute_wrapper`), once its token, total and page starts
are cached (the state the load runs in): whatever SQL the API chooses, pgbench runs it. Each
captured path becomes one pgbench script of its statements with the values inlined; pgbench
picks among the scripts at random, so a transaction is one request's SQL and its tps compares
with requests per second.
"""

import re
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from django.db import connection
from django.test import Client

# A string literal (SQL standard quoting: '' is a quote inside it).
STRING_LITERAL = re.compile(r"(?<![\w&])'((?:[^']|'')*)'")
TPS = re.compile(r"^tps = ([0-9.]+)", re.MULTILINE)
ATTEMPTS = 3
RETRY_SECONDS = 5
LATENCY = re.compile(r"^latency average = ([0-9.]+) ms", re.MULTILINE)


@dataclass
class Captured:
    path: str
    status: int
    statements: list[str]


def capture(path: str, token: str, raw: psycopg.Connection) -> Captured:
    """The SQL the API runs for `path`, read after a first render has filled its caches;
    `raw`, a connection to the same database, writes the values in."""
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="127.0.0.1")
    client.get(path)
    seen: list[tuple[str, object]] = []

    def record(execute, sql, params, many, context):
        seen.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = client.get(path)
    return Captured(path, response.status_code, [inline(sql, params, raw) for sql, params in seen])


def inline(sql: str, params: object, raw: psycopg.Connection) -> str:
    """The statement with its values written in, as pgbench can run it. pgbench reads `:name`
    anywhere as a variable, so a literal holding a colon (a time stamp, a time format) is
    spelled as a Unicode escape string, its colons as \\003A."""
    text = psycopg.ClientCursor(raw).mogrify(sql, params) if params else sql
    return STRING_LITERAL.sub(without_colons, text.strip().rstrip(";"))


def without_colons(literal: re.Match) -> str:
    body = literal.group(1)
    if ":" not in body:
        return literal.group(0)
    return "U&'" + body.replace("\\", "\\005C").replace(":", "\\003A") + "'"


def write_scripts(captured: list[Captured], directory: Path) -> list[Path]:
    scripts = []
    for number, request in enumerate(captured):
        script = directory / f"request_{number}.sql"
        script.write_text("".join(f"{statement};\n" for statement in request.statements))
        scripts.append(script)
    return scripts


def pgbench(url: str, captured: list[Captured], connections: int, cpus: list[int], duration: float) -> dict:
    """pgbench -M prepared over the captured requests' scripts, pinned to `cpus`. A request
    that runs no SQL (a page past the end) leaves PostgreSQL nothing to do: no figure."""
    captured = [request for request in captured if request.statements]
    if not captured:
        return {"transactions_per_second": None, "latency_average_ms": None, "statements_per_transaction": 0}
    with tempfile.TemporaryDirectory(prefix="labshare-pgbench-") as directory:
        scripts = write_scripts(captured, Path(directory))
        command = [
            "taskset",
            "-c",
            ",".join(str(cpu) for cpu in cpus),
            "pgbench",
            "--no-vacuum",
            "-M",
            "prepared",
            "-c",
            str(connections),
            "-j",
            str(max(1, min(connections, len(cpus)))),
            "-T",
            str(max(1, round(duration))),
            *[argument for script in scripts for argument in ("-f", str(script))],
            url,
        ]
        for attempt in range(ATTEMPTS):
            finished = subprocess.run(command, capture_output=True, text=True)
            if finished.returncode == 0 and TPS.search(finished.stdout):
                break
            # A shared server may be out of connections for a moment: wait and try again.
            time.sleep(RETRY_SECONDS * (attempt + 1))
        else:
            failure = (finished.stderr or finished.stdout)[-500:].strip()
            print(f"pgbench failed {ATTEMPTS} times, no figure: {failure}", flush=True)
            return {"transactions_per_second": None, "latency_average_ms": None, "error": failure}
    latency = LATENCY.search(finished.stdout)
    return {
        "transactions_per_second": round(float(TPS.search(finished.stdout).group(1)), 1),
        "latency_average_ms": float(latency.group(1)) if latency else None,
        "statements_per_transaction": round(
            sum(len(request.statements) for request in captured) / len(captured), 2
        ),
        "scripts": len(captured),
        "connections": connections,
    }
