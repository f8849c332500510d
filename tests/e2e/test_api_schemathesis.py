"""Schemathesis fuzzes the live server from openapi.yaml: every answer must match the contract."""

import subprocess
import sys
from pathlib import Path

from tests.api.conftest import fast_password_hashing, world  # noqa: F401  (fixtures)

OPENAPI = Path(__file__).resolve().parents[2] / "openapi.yaml"
# unsupported_method: any other method is a 405 with `Allow` (not a CSRF page: the API takes bearer tokens).
CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,"
    "unsupported_method"
)


def test_it_answers_every_generated_request_as_openapi_yaml_says(server, world, alice_token, tmp_path):  # noqa: F811
    command = [
        str(Path(sys.executable).with_name("st")),
        "run",
        str(OPENAPI),
        "--url",
        f"{server}/v1",
        "--header",
        f"Authorization: Bearer {alice_token}",
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
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
