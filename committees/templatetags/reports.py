"""Reports in templates: their status badge, dates read back from the frozen figures, the
north-star chart drawn from them, and French times ("14 h 32")."""

import datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html

from metrics import charts

from ..enums import ReportStatus

register = template.Library()

BADGES = {
    "": ("Manquant", "error"),
    ReportStatus.DRAFT: ("Brouillon", "new"),
    ReportStatus.SUBMITTED: ("Soumis, à relire", "info"),
    ReportStatus.CHANGES_REQUESTED: ("Modifications demandées", "warning"),
    ReportStatus.ACCEPTED: ("Accepté", "success"),
}


@register.simple_tag
def report_badge(report) -> str:
    """The report's status as a DSFR badge ("Manquant" when there is no report)."""
    label, kind = BADGES[report.status if report else ""]
    return format_html('<p class="fr-badge fr-badge--sm fr-badge--{}">{}</p>', kind, label)


@register.filter
def iso_date(value):
    """A date stored as text in the frozen figures, back as a date."""
    return datetime.date.fromisoformat(value) if value else None


@register.filter
def time_fr(moment) -> str:
    """14 h 32, in Paris time."""
    local = timezone.localtime(moment)
    return f"{local.hour} h {local.minute:02d}"


@register.simple_tag
def north_star_chart(north_star) -> charts.LineChart:
    return charts.line_chart(
        label=north_star["label"],
        unit=north_star["unit"],
        values=[(datetime.date.fromisoformat(m), v) for m, v in north_star["values"]],
    )


@register.filter
def countdown(deadline, today: datetime.date) -> str:
    return deadline.countdown(today)


@register.filter
def get_item(mapping: dict, key: str):
    return mapping.get(key)
