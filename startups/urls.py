from django.urls import path

from . import views, views_team

app_name = "startups"
urlpatterns = [
    path("", views.portfolio, name="portfolio"),
    path("startups/<str:slug>/", views.startup_detail, name="detail"),
    path("startups/<str:slug>/beta-gouv/resolu/", views.disagreements_resolve, name="resolve"),
    path("startups/<str:slug>/equipe/", views_team.team, name="team"),
    path("startups/<str:slug>/equipe/sponsor/", views_team.sponsor_invite, name="sponsor-invite"),
    path(
        "startups/<str:slug>/equipe/<str:kind>/<int:pk>/",
        views_team.team_membership,
        name="team-membership",
    ),
    path("incubateurs/<str:slug>/", views.incubator_detail, name="incubator"),
    path("incubateurs/<str:slug>/equipe/", views_team.incubator_team, name="incubator-team"),
    path(
        "incubateurs/<str:slug>/equipe/<int:pk>/",
        views_team.incubator_membership,
        name="incubator-membership",
    ),
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
