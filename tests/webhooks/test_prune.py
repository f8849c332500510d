"""The worker prunes the delivery log as it prunes the record of changes."""

from datetime import timedelta

from django.utils import timezone

from labshare.equipment.models import Equipment
from labshare.webhooks.models import Delivery, Status
from labshare.webhooks.services import prune_deliveries
from labshare.worker.jobs import JOBS
from tests.webhooks.conftest import run_until


def test_it_prunes_finished_deliveries_past_the_retention_and_keeps_pending_ones(
    hooked, receiver, graphene_lab, settings
):
    settings.CHANGES_RETENTION_DAYS = 30
    for n in range(3):
        Equipment.objects.create(lab=graphene_lab, name=f"Scope {n}")
    run_until(lambda: Delivery.objects.filter(status=Status.DELIVERED).count() == 3)
    delivered = list(Delivery.objects.order_by("id"))
    assert {d.status for d in delivered} == {Status.DELIVERED}
    long_ago = timezone.now() - timedelta(days=31)
    Delivery.objects.filter(pk=delivered[0].pk).update(created_at=long_ago)
    Delivery.objects.filter(pk=delivered[1].pk).update(created_at=long_ago, status=Status.FAILED)
    Delivery.objects.filter(pk=delivered[2].pk).update(created_at=long_ago, status=Status.PENDING)

    assert prune_deliveries() == 2
    assert list(Delivery.objects.values_list("pk", flat=True)) == [delivered[2].pk]
    assert "prune the webhook delivery log" in [job.name for job in JOBS]


def test_it_keeps_what_is_within_the_retention(hooked, receiver, graphene_lab, settings):
    settings.CHANGES_RETENTION_DAYS = 30
    Equipment.objects.create(lab=graphene_lab, name="Scope")
    run_until(lambda: Delivery.objects.filter(status=Status.DELIVERED).count() == 1)
    assert prune_deliveries(now=timezone.now() + timedelta(days=29)) == 0
    assert prune_deliveries(now=timezone.now() + timedelta(days=31)) == 1
