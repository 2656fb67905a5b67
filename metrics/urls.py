"""Metrics URLs: a startup's pages (indicators and their sources, CSV import, API tokens, budget),
then the rest.

config/urls.py sets each prefix, once, and the `metrics` namespace.
"""

from django.urls import path

from . import views, views_analytics, views_api, views_budget, views_csv, views_sources

# A startup's pages, under the prefix config/urls.py gives them.
startup_urlpatterns = [
    path("indicateurs/", views.metric_list, name="list"),
    path("indicateurs/nouveau/", views.metric_form, name="create"),
    path("indicateurs/<int:pk>/modifier/", views.metric_form, name="edit"),
    path("indicateurs/valeurs/", views.month_values, name="values"),
    path("indicateurs/<int:pk>/source/", views_sources.source, name="source"),
    path(
        "indicateurs/<int:pk>/source/mettre-a-jour/",
        views_sources.source_fetch,
        name="source-fetch",
    ),
    path("indicateurs/import/", views_csv.upload, name="csv-upload"),
    path("indicateurs/import/apercu/", views_csv.preview, name="csv-preview"),
    path("indicateurs/import/valider/", views_csv.apply, name="csv-apply"),
    path("indicateurs/modele.csv", views_csv.template, name="csv-template"),
    path("jetons/", views_api.api_tokens, name="api-tokens"),
    path("jetons/<int:pk>/revoquer/", views_api.api_token_revoke_view, name="api-token-revoke"),
    path("budget/", views_budget.budget, name="budget"),
    path("budget/ajouter/", views_budget.budget_line_add, name="budget_add"),
    path("budget/<int:pk>/modifier/", views_budget.budget_line_edit, name="budget_edit"),
    path("budget/<int:pk>/supprimer/", views_budget.budget_line_delete, name="budget_delete"),
]

# The public page, the API and the analytics.
urlpatterns = [
    path("public/startups/<str:slug>/", views.public_page, name="public"),
    path("api/v1/measurements", views_api.measurements, name="api-measurements"),
    path("api/v1/metrics", views_api.metrics, name="api-metrics"),
    path("api/v1/openapi.json", views_api.openapi, name="openapi"),
    path("analyses/", views_analytics.analytics, name="analytics"),
]
