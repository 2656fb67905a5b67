"""Portfolio analytics for incubator staff and superusers."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone

from .analytics import portfolio_analytics, staffed_incubators, startups_of


def analytics(request):
    incubators = staffed_incubators(request.user)
    if incubators == []:
        raise PermissionDenied("Les analyses du portefeuille sont réservées aux incubateurs.")
    today = timezone.localdate()
    return render(
        request,
        "metrics/analytics.html",
        {
            "incubators": incubators,
            "figures": portfolio_analytics(startups_of(incubators), today=today),
            "today": today,
        },
    )
