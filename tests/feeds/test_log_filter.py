"""Feed tokens never reach the logs: Django's request log of a 404 names the path without it."""

import logging

import pytest

from tests.feeds.conftest import feed_path

pytestmark = pytest.mark.django_db


def test_a_feed_s_404_is_logged_without_its_token(client, bob_own_feed, caplog):
    path = feed_path(bob_own_feed).replace(".ics", "x.ics")
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get(path).status_code == 404
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "Not Found: /feeds/[token].ics" in logged
    assert path not in logged
