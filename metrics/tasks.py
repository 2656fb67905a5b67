"""The metrics' jobs: the monthly fetch of the metrics' sources (CELERY_BEAT_SCHEDULE). Task
names (`metrics.tasks.<function>`) stay: beat and the broker store them. Each task imports what
it runs inside its body, as startups/tasks.py and committees/tasks.py do."""

from celery import shared_task
from django.utils import timezone


@shared_task
def fetch_metric_sources() -> int:
    """On the 2nd of each month: one fetch per source, each its own task (a slow source holds
    up no other); the number queued."""
    from .models import MetricSource

    ids = list(MetricSource.objects.order_by("pk").values_list("pk", flat=True))
    for source_id in ids:
        fetch_metric_source.delay(source_id)
    return len(ids)


@shared_task
def fetch_metric_source(source_id: int) -> None:
    """One source's last months, through `metric_source_fetch`; a failure is recorded on the
    source, not raised: next month's run tries again, and the team may press « Mettre à jour »."""
    from .feeds import metric_source_fetch
    from .models import MetricSource

    source = MetricSource.objects.select_related("metric").filter(pk=source_id).first()
    if source is not None:
        metric_source_fetch(source=source, today=timezone.localdate())
