"""Metrics URLs, one list per module: pages under a startup, the CSV upload, the API, analytics."""

from . import views, views_analytics, views_api, views_budget, views_csv

app_name = "metrics"
urlpatterns = [
    *views.urlpatterns,
    *views_csv.urlpatterns,
    *views_api.urlpatterns,
    *views_budget.urlpatterns,
    *views_analytics.urlpatterns,
]
