"""The worker's gauges on /metrics: a scrape sees the delivery queue fill and drain."""

from labshare.equipment.models import Equipment
from labshare.webhooks import delivery
from tests.metrics.test_metrics import TOKEN, scrape
from tests.webhooks.conftest import run_until

QUEUE = ("labshare_webhook_queue_depth", ())
OLDEST = ("labshare_webhook_oldest_pending_seconds", ())
LATENCY = ("labshare_webhook_delivery_latency_seconds", ())


def test_a_scrape_sees_the_queue_fill_and_drain(client, settings, hooked, receiver, graphene_lab):
    settings.LABSHARE_METRICS_TOKEN = TOKEN
    assert scrape(client)[QUEUE] == 0
    Equipment.objects.create(lab=graphene_lab, name="Centrifuge")
    Equipment.objects.create(lab=graphene_lab, name="Stage")
    delivery.fan_out_all()  # queued, not yet sent
    waiting = scrape(client)
    assert waiting[QUEUE] == 2
    assert waiting[OLDEST] > 0
    assert waiting[LATENCY] == 0  # nothing delivered yet
    run_until(lambda: len(receiver.received) == 2)
    drained = scrape(client)
    assert drained[QUEUE] == 0 and drained[OLDEST] == 0
    assert drained[LATENCY] > 0
