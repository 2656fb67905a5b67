"""A startup's budget lines: its readers see them, its editors add, change and delete them."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts.editing import StaleEdit
from startups.access import can_edit, get_startup_for_editor, get_startup_for_reader

from . import budget as budgets
from .budget_forms import BudgetLineForm
from .models import BudgetLine


def budget(request, slug):
    startup = get_startup_for_reader(request, slug)
    lines = list(startup.budget_lines.all())
    rounds = list(startup.funding_rounds.all())
    today = timezone.localdate()
    years = budgets.budget_by_year(lines)
    return render(
        request,
        "metrics/budget.html",
        {
            "startup": startup,
            "can_edit": can_edit(request.user, startup),
            "years": years,
            "year_totals": [(year.year, year.totals) for year in years],
            "activities": budgets.totals_by_activity(lines),
            "semesters": budgets.semester_costs(lines, rounds, today=today),
            "has_demo": any(line.is_demo for line in lines),
        },
    )


def edit_line(request, startup, line):
    form = BudgetLineForm(request.POST or None, instance=line, today=timezone.localdate())
    status = 200
    if request.method == "POST" and form.is_valid():
        created = line.pk is None
        try:
            with transaction.atomic():
                form.claim(by=request.user)
                form.save()
        except StaleEdit as stale:
            form.add_error(None, stale)
            status = 409
        else:
            messages.success(
                request, "Ligne budgétaire ajoutée." if created else "Ligne budgétaire modifiée."
            )
            return redirect("metrics:budget", slug=startup.slug)
    context = {"startup": startup, "form": form, "line": line}
    return render(request, "metrics/budget_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def budget_line_add(request, slug):
    startup = get_startup_for_editor(request, slug)
    return edit_line(request, startup, BudgetLine(startup=startup))


@require_http_methods(["GET", "POST"])
def budget_line_edit(request, slug, pk):
    startup = get_startup_for_editor(request, slug)
    return edit_line(request, startup, get_object_or_404(BudgetLine, startup=startup, pk=pk))


@require_http_methods(["GET", "POST"])
def budget_line_delete(request, slug, pk):
    """A GET asks for confirmation; the POST of that page deletes."""
    startup = get_startup_for_editor(request, slug)
    line = get_object_or_404(BudgetLine, startup=startup, pk=pk)
    if request.method == "POST":
        line.delete()
        messages.success(request, "Ligne budgétaire supprimée.")
        return redirect("metrics:budget", slug=startup.slug)
    return render(request, "metrics/budget_delete.html", {"startup": startup, "line": line})
