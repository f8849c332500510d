"""Schemathesis fuzzes the live server from openapi.yaml: every answer must match the contract.

The /v1 operations are fuzzed under /v1, and the OAuth endpoints, which the document places at
the web app's root (`servers: /oauth`), under /oauth, with the request limit out of the way.
"""

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.conftest import fast_password_hashing, world  # noqa: F401  (fixtures)
from tests.e2e.conftest import start_server

OPENAPI = Path(__file__).resolve().parents[2] / "openapi.yaml"
# unsupported_method: any other method is a 405 with `Allow` (not a CSRF page: the API takes bearer tokens).
CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,"
    "unsupported_method"
)
OAUTH_PATHS = "^/(token|revoke|introspect)"


def schemathesis(base_url: str, token: str, tmp_path: Path, *selection: str) -> subprocess.CompletedProcess:
    command = [
        str(Path(sys.executable).with_name("st")),
        "run",
        str(OPENAPI),
        "--url",
        base_url,
        *selection,
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        CHECKS,
        "--max-examples",
        "30",
        "--seed",
        "20260405",
        "--generation-database",
        "none",
        "--workers",
        "2",
        "--request-timeout",
        "10",
        "--no-color",
        "--report-dir",
        str(tmp_path),
    ]
    # Run from tmp_path: schemathesis keeps a cache directory where it runs.
    return subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)


@pytest.fixture
def unlimited_server(transactional_db) -> Iterator[str]:
    process, base_url = start_server({"LABSHARE_RATE_LIMIT": "100000/minute"})
    yield base_url
    process.terminate()
    process.wait(10)


def test_it_answers_every_generated_request_as_openapi_yaml_says(server, world, alice_token, tmp_path):  # noqa: F811
    # Stateful too: the write API's links (create, then read and cancel). The coverage phase is
    # left out here: on Python 3.11.7 it can trip CPython's "AST constructor recursion depth
    # mismatch" inside hypothesis (fixed in 3.11.8), which is no answer of ours.
    result = schemathesis(
        f"{server}/v1",
        alice_token,
        tmp_path,
        "--exclude-path-regex",
        OAUTH_PATHS,
        "--phases",
        "examples,fuzzing,stateful",
    )
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]


def test_the_oauth_endpoints_answer_as_openapi_yaml_says(unlimited_server, world, alice_token, tmp_path):  # noqa: F811
    result = schemathesis(
        f"{unlimited_server}/oauth",
        alice_token,
        tmp_path,
        "--include-path-regex",
        OAUTH_PATHS,
        "--phases",
        "examples,coverage,fuzzing",  # the OAuth endpoints have no links to follow
    )
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    assert "Selected: 4/" in result.stdout, result.stdout[-3000:]
