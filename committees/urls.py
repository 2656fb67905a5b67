"""Committees URLs, one list per module: the reports under a startup, the staff's list."""

from . import views

app_name = "committees"
urlpatterns = [
    *views.urlpatterns,
]
