"""Every URL prefix is set here, once; each app (and each part of `committees`) lists its paths
below the prefix it is given. A namespace gathers the lists of one app, so names keep reversing
as `metrics:<name>` and `committees:<name>`."""

from django.contrib import admin
from django.urls import include, path

from committees import views_portfolio
from committees.documents import urls as documents
from committees.reports import urls as reports
from committees.sessions import urls as sessions
from config import legal
from config import views as config_views
from metrics import urls as metrics

# A startup's pages, whichever app serves them.
STARTUP = "portefeuille/startups/<str:slug>/"

metrics_urls = [
    path(STARTUP, include(metrics.startup_urlpatterns)),
    *metrics.urlpatterns,
]
committees_urls = [
    path(f"{STARTUP}bilans/", include(reports.startup_urlpatterns)),
    path("bilans/", include(reports.urlpatterns)),
    path("seances/", include(sessions.session_urlpatterns + documents.session_urlpatterns)),
    path("comites/", include(sessions.committee_urlpatterns)),
    path("decisions/", include(sessions.decision_urlpatterns)),
    path("financements/", include(sessions.funding_urlpatterns)),
    path("documents/", include(documents.urlpatterns)),
    # A sponsor's portfolio, beside its page (startups:sponsor): money, decisions, risks.
    path(
        "portefeuille/sponsors/<str:slug>/portefeuille/",
        views_portfolio.portfolio,
        name="sponsor-portfolio",
    ),
    path(
        "portefeuille/sponsors/<str:slug>/portefeuille.csv",
        views_portfolio.portfolio_csv,
        name="sponsor-portfolio-csv",
    ),
    *sessions.urlpatterns,
]

urlpatterns = [
    path("", config_views.home, name="home"),
    path("comptes/", include("accounts.urls")),
    path("portefeuille/", include("startups.urls")),
    path("", include((metrics_urls, "metrics"))),
    path("", include((committees_urls, "committees"))),
    path("admin/", admin.site.urls),
    path("healthz", config_views.healthz, name="healthz"),
    path("mentions-legales/", legal.legal_notice, name="legal-notice"),
    path("accessibilite/", legal.accessibility, name="accessibility"),
    path("donnees-personnelles/", legal.personal_data, name="personal-data"),
    path("plan-du-site/", legal.site_map, name="site-map"),
]
handler400 = config_views.bad_request
