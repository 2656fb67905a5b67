"""Views that belong to no app: the page layer above them all (the home page, which shows
every app's blocks), the health check that hosts and monitors poll, and the 400 page."""

import logging

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import BadRequest
from django.db import connection, transaction
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.cache import never_cache

from startups.models import Incubator, Startup
from startups.views import DUE_SOON_DAYS, count_by_phase, phase_counts

logger = logging.getLogger(__name__)


def home(request):
    """What each role comes for: staff their portfolio, teams their startup, sponsors theirs.
    A page of the page layer: home.html shows startups' blocks and committees' ("Mes séances")."""
    user = request.user
    staffed = (
        Incubator.objects.all() if user.is_superuser else Incubator.objects.filter(staff__user=user)
    )
    staffed = list(staffed.only("slug", "title"))
    # The links of the home page open the portfolio filtered on the person's incubator.
    scope = f"incubateur={staffed[0].slug}&" if len(staffed) == 1 and not user.is_superuser else ""
    context = {"staffed_incubators": staffed, "scope": scope, "today": timezone.localdate()}
    if staffed:
        portfolio = Startup.objects.filter(incubator__in=staffed)
        context["phase_counts"] = phase_counts(count_by_phase(portfolio))
        context["due_soon"] = (
            portfolio.active()
            .due_for_committee(within=DUE_SOON_DAYS)
            .with_list_data()
            .order_by("committee_due_on")[:20]
        )
    context["team_startups"] = Startup.objects.filter(memberships__user=user).with_list_data()
    context["sponsored"] = (
        Startup.objects.filter(sponsors__representatives__user=user).with_list_data().distinct()
    )
    return render(request, "home.html", context)


@login_not_required
@never_cache
@transaction.non_atomic_requests
def healthz(request):
    """200 when the database answers and the broker too (Redis, or "eager" without one), 503
    naming the part that failed. The errors go to the log, not to the answer."""
    status = {"database": "ok", "broker": "ok" if settings.REDIS_URL else "eager"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        logger.exception("healthz: the database does not answer")
        status["database"] = "error"
    if settings.REDIS_URL:
        try:
            client = redis.Redis.from_url(
                settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2
            )
            with client:
                client.ping()
        except Exception:
            logger.exception("healthz: the broker does not answer")
            status["broker"] = "error"
    healthy = "error" not in status.values()
    return JsonResponse(status, status=200 if healthy else 503)


def bad_request(request, exception):
    """400, with the reason in French when Comité refused the input itself (`BadRequest`);
    other 400s (a forged host, a broken upload) say nothing of what Django found."""
    reason = str(exception) if type(exception) is BadRequest else ""
    # Without the request, as the 500 page: it may come before the sign-in middleware ran.
    return HttpResponseBadRequest(render_to_string("400.html", {"reason": reason}))
