"""Semester reports' URLs; config/urls.py sets each prefix, once, in the `committees` namespace."""

from django.urls import path

from . import views, views_compare, views_overview

# A startup's reports: config/urls.py puts them under the startup's `bilans/`.
startup_urlpatterns = [
    path("", views.startup_reports, name="startup-reports"),
    path("commencer/", views.start, name="report-start"),
    path("<str:semester>/", views.detail, name="report"),
    path("<str:semester>/rediger/", views.edit, name="report-edit"),
    path("<str:semester>/sections/<str:key>/", views.section_save, name="report-section"),
    path("<str:semester>/soumettre/", views.submit, name="report-submit"),
    path("<str:semester>/relecture/", views.review, name="report-review"),
    path("<str:semester>/comparer/", views_compare.compare, name="report-compare"),
    path("<str:semester>/relancer/", views_overview.nudge, name="report-nudge"),
]

# The staff's list of reports, under `bilans/`.
urlpatterns = [
    path("", views_overview.reports, name="reports"),
]
