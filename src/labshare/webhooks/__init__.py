"""Signed webhooks: an application's endpoints, fed from the record of changes, delivered by
`labshare worker` (services.py, delivery.py). The worker's gauges (gauges.py) are read by
/metrics at each scrape."""


def metrics_snapshot() -> dict[str, float]:
    """The worker's gauges now: the deliveries waiting, how long the oldest has waited, and the
    median commit-to-receipt latency of the latest deliveries."""
    from labshare.webhooks import gauges

    return {name.removeprefix(gauges.PREFIX): read() for name, (_help, read) in gauges.GAUGES.items()}
