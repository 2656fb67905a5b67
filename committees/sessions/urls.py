"""Sessions' URLs; config/urls.py sets each prefix, once, in the `committees` namespace."""

from django.urls import path

from . import (
    views,
    views_committees,
    views_decisions,
    views_live,
    views_orders,
    views_prepare,
    views_proxies,
    views_questions,
    views_written,
)

# A session's pages, under `seances/`: agenda, preparation, live session, decisions.
session_urlpatterns = [
    path("", views.sessions, name="sessions"),
    path("nouvelle/", views.create, name="session-create"),
    path("<int:pk>/", views.detail, name="session"),
    path("<int:pk>/modifier/", views.edit, name="session-edit"),
    path("<int:pk>/ordre-du-jour/ajouter/", views.agenda_add, name="agenda-add"),
    path(
        "<int:pk>/ordre-du-jour/<int:review_pk>/retirer/", views.agenda_remove, name="agenda-remove"
    ),
    path("<int:pk>/ordre-du-jour/<int:review_pk>/deplacer/", views.agenda_move, name="agenda-move"),
    path("<int:pk>/ordre-du-jour/<int:review_pk>/", views.agenda_item, name="agenda-item"),
    path("<int:pk>/convoquer/", views.convene, name="session-convene"),
    path("<int:pk>/annuler/", views.cancel, name="session-cancel"),
    path("<int:pk>/copier/", views.copy, name="session-copy"),
    path("<int:pk>/invitation.ics", views.ics, name="session-ics"),
    path("<int:pk>/preparer/", views_prepare.session_prepare, name="session-prepare"),
    path(
        "<int:pk>/passages/<int:review_pk>/preparer/",
        views_prepare.review_prepare,
        name="review-prepare",
    ),
    path(
        "<int:pk>/passages/<int:review_pk>/preparer/grille/",
        views_prepare.assessment,
        name="review-assessment",
    ),
    path(
        "<int:pk>/passages/<int:review_pk>/preparer/conflit/",
        views_prepare.conflict,
        name="review-conflict",
    ),
    path(
        "<int:pk>/passages/<int:review_pk>/preparer/conflit/retirer/",
        views_prepare.conflict_remove,
        name="review-conflict-withdraw",
    ),
    path(
        "<int:pk>/passages/<int:review_pk>/questions/",
        views_questions.ask,
        name="review-question",
    ),
    path(
        "<int:pk>/passages/<int:review_pk>/questions/<int:question_pk>/reponse/",
        views_questions.answer,
        name="question-answer",
    ),
    path("<int:pk>/procurations/", views_proxies.give, name="session-proxy-give"),
    path(
        "<int:pk>/procurations/<int:proxy_pk>/retirer/",
        views_proxies.withdraw,
        name="session-proxy-withdraw",
    ),
    path("<int:pk>/direct/", views_live.session_live, name="session-live"),
    path("<int:pk>/direct/tableau/", views_live.session_live_board, name="session-live-board"),
    path("<int:pk>/direct/ouvrir/", views_live.live_session_open, name="session-live-open"),
    path("<int:pk>/direct/presences/", views_live.live_attendance, name="session-live-attendance"),
    path(
        "<int:pk>/direct/<int:review_pk>/ouvrir-le-vote/",
        views_live.live_vote_open,
        name="session-live-vote-open",
    ),
    path(
        "<int:pk>/direct/<int:review_pk>/clore-le-vote/",
        views_live.live_vote_close,
        name="session-live-vote-close",
    ),
    path("<int:pk>/direct/<int:review_pk>/voter/", views_live.live_vote, name="session-live-vote"),
    path(
        "<int:pk>/direct/<int:review_pk>/voter/<int:member_pk>/",
        views_live.live_vote_for,
        name="session-live-vote-for",
    ),
    path(
        "<int:pk>/passages/<int:review_pk>/decision/",
        views_decisions.review_decide,
        name="review-decide",
    ),
    path("<int:pk>/cloturer/", views_decisions.close, name="session-close"),
    path("<int:pk>/releve/", views_decisions.session_minutes, name="session-minutes"),
]

# Committees and their members, under `comites/`.
committee_urlpatterns = [
    path("", views_committees.committees, name="committees"),
    path("<int:pk>/", views_committees.committee, name="committee"),
    path("<int:pk>/regles/", views_committees.rules, name="committee-rules"),
    path("<int:pk>/procedure-ecrite/", views_written.written_create, name="written-create"),
    path("<int:pk>/membres/", views_committees.member_create, name="member-add"),
    path(
        "<int:pk>/membres/<int:member_pk>/role/", views_committees.member_role, name="member-role"
    ),
    path(
        "<int:pk>/membres/<int:member_pk>/retirer/",
        views_committees.member_delete,
        name="member-remove",
    ),
]

# The money after the decisions, under `financements/`: a round's page and its order, the late
# orders, a sponsor's purchasing addresses.
funding_urlpatterns = [
    path("commandes/", views_orders.late_orders_list, name="late-orders"),
    path("<int:pk>/", views_orders.funding_round, name="funding-round"),
    path("achats/<str:slug>/", views_orders.purchasing_contacts, name="purchasing-contacts"),
]

# The decisions' exports, under `decisions/`.
decision_urlpatterns = [
    path("export.csv", views_decisions.export_csv, name="decisions-csv"),
    path("export.json", views_decisions.export_json, name="decisions-json"),
]

# At the root: the open data.
urlpatterns = [
    path("public/decisions.json", views_decisions.open_data, name="decisions-open-data"),
]
