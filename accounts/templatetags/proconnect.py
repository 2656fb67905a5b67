from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def proconnect_enabled() -> bool:
    """Whether the login page shows the ProConnect button (PROCONNECT_* settings)."""
    return settings.PROCONNECT_ENABLED
