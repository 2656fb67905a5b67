"""Views that belong to no app: the health check that hosts and monitors poll."""

import logging

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection, transaction
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)


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
