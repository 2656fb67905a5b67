"""Sessions in templates: their status badge, durations in French."""

from django import template
from django.utils.html import format_html

from ..enums import SessionStatus
from ..journal import sentence

register = template.Library()

BADGES = {
    SessionStatus.PLANNED: "new",
    SessionStatus.CONVENED: "info",
    SessionStatus.OPEN: "warning",
    SessionStatus.CLOSED: "success",
    SessionStatus.CANCELLED: "error",
}


@register.simple_tag
def session_badge(session) -> str:
    return format_html(
        '<p class="fr-badge fr-badge--sm fr-badge--{}">{}</p>',
        BADGES[session.status],
        session.get_status_display(),
    )


@register.filter
def minutes_fr(minutes: int) -> str:
    """130 → "2 h 10", 50 → "50 min"."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"


@register.simple_tag
def audit_detail(event) -> str:
    """An audit row in one French sentence (committees/journal.py)."""
    return sentence(event)
