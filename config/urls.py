from django.contrib import admin
from django.urls import include, path

from config import views as config_views
from startups import views as startup_views

admin.site.site_header = "Comité — administration"

urlpatterns = [
    path("", startup_views.home, name="home"),
    path("comptes/", include("accounts.urls")),
    path("portefeuille/", include("startups.urls")),
    path("", include("metrics.urls")),
    path("", include("committees.urls")),
    path("admin/", admin.site.urls),
    path("healthz", config_views.healthz, name="healthz"),
]
