import io

import pytest
from django.core.management import call_command

from labshare.demo.generate import REFERENCE_NOW

DEMO_PASSWORD = "demo password for tests"


@pytest.fixture
def demo_password(monkeypatch) -> str:
    monkeypatch.setenv("LABSHARE_DEMO_PASSWORD", DEMO_PASSWORD)
    return DEMO_PASSWORD


@pytest.fixture
def small_demo(db, demo_password) -> None:
    """The data set `make run` loads."""
    call_command("demo", size="small", seed=1, now=REFERENCE_NOW.isoformat(), stdout=io.StringIO())
