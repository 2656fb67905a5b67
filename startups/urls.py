from django.urls import path

from . import views

app_name = "startups"
urlpatterns = [
    path("", views.portfolio, name="portfolio"),
    path("startups/<str:slug>/", views.startup_detail, name="detail"),
    path("startups/<str:slug>/beta-gouv/resolu/", views.disagreements_resolve, name="resolve"),
    path("incubateurs/<str:slug>/", views.incubator_detail, name="incubator"),
    path("sponsors/<str:slug>/", views.sponsor_detail, name="sponsor"),
    path("synchronisation/", views.sync_runs, name="sync"),
    path("synchronisation/lancer/", views.sync_request, name="sync-start"),
    path("membres-proposes/", views.member_proposals, name="proposals"),
    path(
        "startups/<str:slug>/membres-proposes/",
        views.member_proposals_decide,
        name="proposals-decide",
    ),
]
