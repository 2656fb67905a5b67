"""Committees URLs, one list per module: the reports under a startup, the staff's list."""

from . import (
    views,
    views_committees,
    views_compare,
    views_decisions,
    views_documents,
    views_live,
    views_overview,
    views_prepare,
    views_sessions,
)

app_name = "committees"
urlpatterns = [
    *views.urlpatterns,
    *views_overview.urlpatterns,
    *views_compare.urlpatterns,
    *views_prepare.urlpatterns,
    *views_live.urlpatterns,
    *views_sessions.urlpatterns,
    *views_committees.urlpatterns,
    *views_decisions.urlpatterns,
    *views_documents.urlpatterns,
]
