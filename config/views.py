"""Views that belong to no app: the page layer above them all (the home page, which shows
every app's blocks), the health check that hosts and monitors poll, and the 400 page."""

import logging
import time

import redis
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import BadRequest
from django.db import connection
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from accounts.outbox import RELAYED_AT
from startups.dates import stale_before
from startups.models import Incubator, Organisation, Startup
from startups.views import DUE_SOON_DAYS, count_by_phase, phase_counts

from .celery import app as celery_app
from .home import sponsor_home

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
        due = portfolio.active().due_for_committee(within=DUE_SOON_DAYS)
        stale = stale_before(context["today"])
        context["due_soon"] = (
            due.filter(committee_due_on__gte=stale)
            .with_list_data()
            .order_by("committee_due_on")[:20]
        )
        stale_records = due.filter(committee_due_on__lt=stale)
        context["stale"] = stale_records.with_list_data().order_by("-committee_due_on")[:10]
        context["stale_count"] = stale_records.count()
    context["team_startups"] = list(
        Startup.objects.filter(memberships__user=user).select_related("incubator")
    )
    # A representative sees the startups of each organisation they represent, by what needs
    # attention, and opens its portfolio.
    context["represented"] = [
        sponsor_home(organisation, today=context["today"])
        for organisation in Organisation.objects.filter(representatives__user=user)
    ]
    return render(request, "home.html", context)


# Beat relays the outbox every minute: three minutes without a relay, and beat is gone.
BEAT_SILENT_AFTER = 180


@login_not_required  # answered before the sign-in anyway, by the `health` middleware
def healthz(request):
    """200 when every part answers, else 503 naming the parts that failed: the database, the
    broker (Redis, or "eager" without one: jobs then run in the web process), a worker (a
    control ping) and beat (the outbox relay it schedules every minute ran lately). Answered by
    the `health` middleware, before the session, the sign-in or CSRF: no cookie can make it
    touch the database twice or fail otherwise. The errors go to the log, not to the answer."""
    status = {"database": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        logger.exception("healthz: the database does not answer")
        status["database"] = "error"
    if celery_app.conf.task_always_eager:  # no REDIS_URL
        status |= {"broker": "eager", "worker": "eager", "beat": "eager"}
    else:
        status |= jobs_status()
    healthy = "error" not in status.values()
    response = JsonResponse(status, status=200 if healthy else 503)
    add_never_cache_headers(response)
    return response


def jobs_status() -> dict[str, str]:
    try:
        client = redis.Redis.from_url(
            celery_app.conf.broker_url, socket_connect_timeout=2, socket_timeout=2
        )
        with client:
            client.ping()
    except Exception:
        logger.exception("healthz: the broker does not answer")
        return {"broker": "error", "worker": "unknown", "beat": "unknown"}
    status = {"broker": "ok", "worker": "ok", "beat": "ok"}
    if not celery_app.control.ping(timeout=1, limit=1):
        logger.error("healthz: no worker answers")
        return status | {"worker": "error", "beat": "unknown"}
    relayed_at = cache.get(RELAYED_AT)
    if relayed_at is None or time.time() - relayed_at > BEAT_SILENT_AFTER:
        logger.error("healthz: beat has not relayed the outbox since %s", relayed_at)
        status["beat"] = "error"
    return status


def bad_request(request, exception):
    """400, with the reason in French when Comité refused the input itself (`BadRequest`);
    other 400s (a forged host, a broken upload) say nothing of what Django found."""
    reason = str(exception) if type(exception) is BadRequest else ""
    # Without the request, as the 500 page: it may come before the sign-in middleware ran.
    return HttpResponseBadRequest(render_to_string("400.html", {"reason": reason}))
