"""The pages a State service publishes (DESIGN §5): legal notices, the accessibility statement
with its RGAA status, what is done with personal data, and the site map. Public: read before
signing in, and by anyone."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render

from accounts.outbox import KEEP_DONE

# "Non conforme" until an audit: the only honest status without one (RGAA's three statuses are
# totalement, partiellement, non conforme; "en cours d'évaluation" is none of them).
RGAA_STATUS = "non conforme"


def _page(template: str, context=dict):
    @login_not_required
    def view(request):
        return render(request, f"legal/{template}.html", {"legal": settings.LEGAL, **context()})

    return view


def _retention() -> dict:
    return {
        "retention": {
            "magic_link_minutes": settings.SESAME_MAX_AGE // 60,
            "session_days": settings.SESSION_COOKIE_AGE // 86400,
            "emails_days": KEEP_DONE.days,
            "private_notes_days": settings.PRIVATE_NOTES_RETENTION_DAYS,
        }
    }


legal_notice = _page("legal_notice")
accessibility = _page("accessibility", lambda: {"rgaa_status": RGAA_STATUS})
personal_data = _page("personal_data", _retention)
site_map = _page("site_map")
