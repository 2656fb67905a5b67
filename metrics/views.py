"""A startup's metrics: reading them with their charts, editing them, the public page."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import IntegrityError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from startups.access import can_edit, get_startup_for_editor, get_startup_for_reader
from startups.models import Startup

from . import charts
from .enums import MeasurementSource
from .forms import MetricForm, MonthPickerForm, MonthValuesForm, value_field_name
from .models import Metric
from .services import measurements_record
from .startup_metrics import (
    last_months,
    metric_save,
    startup_efficiency,
    startup_money,
    startup_series,
)


def metric_list(request, slug):
    startup = get_startup_for_reader(request, slug)
    today = timezone.localdate()
    series = startup_series(startup, today=today)
    budget_lines, rounds = startup_money(startup)
    context = {
        "startup": startup,
        "series": series,
        "efficiency": startup_efficiency(
            series, budget_lines=budget_lines, rounds=rounds, today=today
        ),
        "can_edit": can_edit(request.user, startup),
    }
    return render(request, "metrics/list.html", context)


def metric_form(request, slug, pk=None):
    """Create a metric, or edit one (a changed definition starts a new one this month)."""
    startup = get_startup_for_editor(request, slug)
    today = timezone.localdate()
    metric = (
        get_object_or_404(Metric.objects.prefetch_related("definitions"), pk=pk, startup=startup)
        if pk
        else Metric(startup=startup)
    )
    form = MetricForm(request.POST or None, instance=metric, startup=startup, today=today)
    if request.method == "POST" and form.is_valid():
        metric_save(
            metric=form.instance,
            definition=form.cleaned_data["definition"],
            source_url=form.cleaned_data["source_url"],
            by=request.user,
            today=today,
        )
        messages.success(request, f"L’indicateur « {metric.label} » est enregistré.")
        return redirect("metrics:list", slug=startup.slug)
    return render(
        request, "metrics/form.html", {"startup": startup, "form": form, "metric": metric}
    )


def record(values) -> None:
    try:
        measurements_record(values, source=MeasurementSource.FORM)
    except IntegrityError:
        # The same month sent twice at once: the other request's rows exist now, compare again.
        measurements_record(values, source=MeasurementSource.FORM)


def value_rows(series, months, *, editing=None, form=None):
    """The table's rows, newest month first; the month being edited carries its form."""
    rows = []
    for month in sorted(set(months) | ({editing} if editing else set()), reverse=True):
        form_here = form if month == editing else None
        cells = [
            {
                "series": s,
                "value": s.monthly.get(month),
                "field": form_here[value_field_name(s.metric)] if form_here else None,
                "autofocus": False,
            }
            for s in series
        ]
        if form_here and cells:  # the first value in error, else the first value
            errors = [c for c in cells if c["field"].errors]
            (errors or cells)[0]["autofocus"] = True
        rows.append({"month": month, "key": f"{month:%Y-%m}", "form": form_here, "cells": cells})
    return rows


def edit_form(series, month: datetime.date, today, data=None):
    initial = {"mois": f"{month:%Y-%m}"} | {
        value_field_name(s.metric): charts.format_number(s.monthly[month], 4)
        for s in series
        if month in s.monthly
    }
    return MonthValuesForm(data, initial=initial, metrics=[s.metric for s in series], today=today)


def month_values(request, slug):
    """One month's values at a time, in a table: htmx swaps a row into inputs and back; without
    JavaScript the same row opens in the full page (`?modifier=2026-03`), POST-redirect-GET."""
    startup = get_startup_for_editor(request, slug)
    today = timezone.localdate()
    series = startup_series(startup, today=today, details=False)
    picker = MonthPickerForm(today=today)
    editing = form = None
    if request.method == "POST":
        form = MonthValuesForm(request.POST, metrics=[s.metric for s in series], today=today)
        if form.is_valid():
            return month_saved(request, startup, series, form)
        if form.has_error("mois"):
            return HttpResponseBadRequest("Mois invalide.")
        editing = form.cleaned_data["mois"]
    elif "modifier" in request.GET:
        picker = MonthPickerForm(request.GET, today=today)
        if picker.is_valid():
            editing = picker.cleaned_data["modifier"]
            form = edit_form(series, editing, today)
        elif request.htmx:
            return HttpResponseBadRequest("Mois invalide.")
    if request.htmx and (editing or "ligne" in request.GET):
        month = editing or month_from(request.GET["ligne"])
        return render_row(request, startup, series, month, form)
    context = {
        "startup": startup,
        "series": series,
        "rows": value_rows(series, last_months(today), editing=editing, form=form),
        "picker": picker,
        "status": "",
    }
    return render(request, "metrics/values.html", context)


def month_saved(request, startup, series, form):
    values = form.values()
    record(values)
    month = form.cleaned_data["mois"]
    status = f"Valeurs {charts.of_month(month)} enregistrées."
    if not request.htmx:
        messages.success(request, status)
        return redirect("metrics:values", slug=startup.slug)
    by_metric = {s.metric.pk: s for s in series}
    for (metric, day), value in values.items():
        by_metric[metric.pk].monthly[day] = value
    return render_row(request, startup, series, month, None, status=status)


def render_row(request, startup, series, month, form, status=""):
    """The row alone, for htmx; `status` goes out of band to the page's live region."""
    [row] = value_rows(series, [month], editing=month if form else None, form=form)
    context = {"startup": startup, "series": series, "row": row, "status": status}
    return render(request, "metrics/values.html#row", context)


def month_from(key: str) -> datetime.date:
    try:
        return datetime.datetime.strptime(key, "%Y-%m").date()
    except ValueError:
        raise Http404("Mois inconnu.") from None


@login_not_required
def public_page(request, slug):
    """A startup's public page, when it opted in: its public metrics, and its cost per impact
    unit when its north star is public (never the budget itself)."""
    startup = get_object_or_404(
        Startup.objects.select_related("incubator"), slug=slug, public_page=True
    )
    today = timezone.localdate()
    series = startup_series(startup, today=today, public_only=True)
    efficiency = None
    if any(s.metric.is_north_star for s in series):
        budget_lines, rounds = startup_money(startup)
        efficiency = startup_efficiency(
            series, budget_lines=budget_lines, rounds=rounds, today=today
        )
    context = {
        "startup": startup,
        "series": series,
        "efficiency": efficiency,
    }
    return render(request, "public/startup.html", context)
