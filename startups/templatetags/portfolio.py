from decimal import Decimal

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html

from comite import french

register = template.Library()

PHASE_BADGES = {
    "investigation": "fr-badge--yellow-tournesol",
    "construction": "fr-badge--blue-cumulus",
    "acceleration": "fr-badge--green-emeraude",
    "transfer": "fr-badge--purple-glycine",
    "stopped": "fr-badge--pink-tuile",
}


@register.simple_tag
def phase_badge(lifecycle: str, label: str = "", small: bool = True):
    """A DSFR badge in the phase's colour (a simple tag: it stands in every row of the lists)."""
    size = " fr-badge--sm" if small else ""
    css = PHASE_BADGES.get(lifecycle, "")
    return format_html(
        '<p class="fr-badge fr-badge--no-icon {}{}">{}</p>', css, size, label or lifecycle
    )


@register.filter
def short_date(day) -> str:
    """23/11/2026: Django's `date` filter costs ~15 µs a call, too much in every row of a list."""
    return f"{day:%d/%m/%Y}" if day else ""


@register.filter
def de(name) -> str:
    """ "de" and a name, elided before a vowel: {{ startup.name|de }} → "d’Accès cible"."""
    return french.de(name)


@register.filter
def euros(amount: Decimal | None) -> str:
    """12 345 € (whole euros, French grouping); an en dash when unknown."""
    if amount is None:
        return "–"
    return f"{number_format(round(amount), force_grouping=True)} €"


@register.filter
def duration(days: int | None) -> str:
    if days is None:
        return "–"
    if days < 61:
        return f"{days} jours"
    months = round(days / 30.44)
    return f"{months} mois" if months < 24 else f"{months / 12:.1f} ans".replace(".", ",")


@register.inclusion_tag("startups/timeline.html")
def phase_timeline(phases, today):
    """Phases as segments of one bar, proportional to their durations (the table says the same)."""
    phases = list(phases)
    if not phases:
        return {"segments": []}
    start = phases[0].start
    end = (
        phases[-1].start if phases[-1].is_final else max(today, *(p.end or p.start for p in phases))
    )
    total = max((end - start).days, 1)
    segments = []
    for phase in phases:
        phase_end = phase.end or (phase.start if phase.is_final else max(today, phase.start))
        segments.append(
            {
                "phase": phase,
                "css": PHASE_BADGES.get(phase.lifecycle, ""),
                "x": round(1000 * (phase.start - start).days / total, 1),
                "width": max(round(1000 * (phase_end - phase.start).days / total, 1), 4),
            }
        )
    return {"segments": segments, "start": start, "end": end}
