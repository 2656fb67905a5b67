"""Metrics in templates: French number formats, and the impact panel of the startup page.

The startups app shows the panel by loading this library in its template: startups never
imports metrics in Python (tests/test_architecture.py).
"""

from django import template
from django.utils import timezone

from startups.access import can_read

from .. import charts
from ..enums import Dimension
from ..figures import is_percentage, singular
from ..startup_metrics import startup_efficiency, startup_money, startup_series

register = template.Library()


@register.filter
def number(value, decimals: int = 4) -> str:
    """1 234,5 (narrow no-break spaces, decimal comma, at most `decimals`); an en dash when unknown."""
    return charts.format_number(value, decimals)


@register.filter
def euros_fr(value) -> str:
    return charts.format_euros(value)


@register.filter
def percent(value) -> str:
    return charts.format_percent(value)


@register.filter
def trend(value, unit: str) -> str:
    """A change as its metric counts it: in points for a percentage, relative otherwise."""
    return charts.format_points(value) if is_percentage(unit) else charts.format_percent(value)


@register.filter
def per(unit: str) -> str:
    """ "par dossier" for the unit "dossiers"."""
    return f"par {singular(unit)}"


@register.filter
def month_fr(month) -> str:
    return charts.month_label(month) if month else "–"


@register.inclusion_tag("metrics/impact_panel.html", takes_context=True)
def impact_panel(context, startup):
    """The impact matrix (usable, used, useful, impactful, efficient): each dimension's metrics
    with their latest value and one-year trend, the cost per impact unit of the last full
    semester. Its readers only; 4 queries whatever the number of metrics and months (the
    funding rounds come from the startup page's prefetch)."""
    user = context["request"].user
    if not can_read(user, startup):
        return {"startup": startup, "readable": False}
    today = timezone.localdate()
    series = startup_series(startup, today=today, details=False)
    budget_lines, rounds = startup_money(startup)
    efficiency = startup_efficiency(series, budget_lines=budget_lines, rounds=rounds, today=today)
    rows = [
        (dimension, [s for s in series if s.metric.dimension == dimension])
        for dimension in Dimension
    ]
    return {
        "startup": startup,
        "readable": True,
        "rows": rows,
        "efficiency": efficiency,
        "has_metrics": bool(series),
    }
