"""A metric's source: attaching it (Matomo, Metabase) and « Mettre à jour », for the people who
edit the metric's values (its team, its incubators' staff, superusers)."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from startups.access import get_startup_for_editor

from .feeds import metric_source_fetch, metric_source_save
from .models import Metric, MetricSource
from .source_forms import MetricSourceForm

# Seconds to connect and for each read when a person presses « Mettre à jour » (five times that
# for the whole answer, comite/http.py), with no retry: within gunicorn's 60 s (Procfile).
BUTTON_TIMEOUT = 10


def get_metric_for_editor(request, slug: str, pk: int) -> tuple:
    """The startup and its metric whose values this person may change, or 404 / 403."""
    startup = get_startup_for_editor(request, slug)
    metric = get_object_or_404(Metric.objects.select_related("feed"), pk=pk, startup=startup)
    return startup, metric


def existing_source(metric: Metric) -> MetricSource | None:
    try:
        return metric.feed
    except MetricSource.DoesNotExist:
        return None


@require_http_methods(["GET", "POST"])
def source(request, slug, pk):
    startup, metric = get_metric_for_editor(request, slug, pk)
    current = existing_source(metric)
    form = MetricSourceForm(
        request.POST if request.method == "POST" else None,
        instance=current or MetricSource(metric=metric),
    )
    if request.method == "POST" and form.is_valid():
        metric_source_save(
            source=form.save(commit=False),
            token=form.cleaned_data["token"],
            forget_token=form.cleaned_data["forget_token"],
        )
        messages.success(
            request,
            f"La source de « {metric.label} » est enregistrée : « Mettre à jour » lit ses "
            "derniers mois.",
        )
        return redirect("metrics:source", slug=startup.slug, pk=metric.pk)
    context = {"startup": startup, "metric": metric, "feed": current, "form": form}
    return render(request, "metrics/source.html", context)


# The fetch waits on another site: no transaction is held open meanwhile; the service writes
# the values in one transaction of its own, then the outcome. The monthly job retries; the
# button does not (BUTTON_TIMEOUT).
@transaction.non_atomic_requests
@require_POST
def source_fetch(request, slug, pk):
    startup, metric = get_metric_for_editor(request, slug, pk)
    feed = existing_source(metric)
    if feed is None:
        messages.error(request, "Cet indicateur n’a pas encore de source.")
        return redirect("metrics:source", slug=startup.slug, pk=metric.pk)
    diff = metric_source_fetch(
        source=feed, today=timezone.localdate(), timeout=BUTTON_TIMEOUT, retries=0
    )
    if diff is None:
        messages.error(
            request, f"La mise à jour a échoué, aucune valeur n’a changé : {feed.last_error}"
        )
    else:
        messages.success(
            request,
            f"Mise à jour faite : {feed.months_fetched} mois lus, {len(diff.new)} valeur(s) "
            f"ajoutée(s), {len(diff.changed)} modifiée(s), {diff.unchanged} inchangée(s).",
        )
    return redirect("metrics:source", slug=startup.slug, pk=metric.pk)
