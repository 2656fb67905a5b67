"""The members from espace-membre, against a real HTTP server on 127.0.0.1 that answers as
espace-membre's protected API does: `startups/{ghid}/members` a list of `ProtectedMember`
(`protectedMemberSchema`), `members/{username}` a `MemberDetail`
(`memberDetailApiResponseSchema`), dates printed by zod's `z.coerce.date()` (ISO datetimes),
errors as its routes and middleware print them (docs/data.md)."""

import datetime
import json

import pytest
from celery.schedules import crontab
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import User
from comite import http
from startups.enums import MembershipOrigin, ProposalKind, ProposalStatus, SyncStatus, TeamRole
from startups.members import members_sync
from startups.models import MembershipProposal, MemberSync, TeamMembership
from startups.tasks import sync_members
from tests.factories import StartupFactory
from tests.local_server import LocalServer
from tests.utils import TODAY, get_page

KEY = "em1_" + "k" * 32
GHID = "mon-service"
MEMBERS = f"/api/protected/startups/{GHID}/members"
DAY = datetime.timedelta(days=1)
# The staff's page: session, user, savepoints, staff check, last reading, nav, proposals.
QUERIES = 8


def when(day: datetime.date | None) -> str | None:
    """A date as espace-membre prints it (a JavaScript Date in JSON)."""
    return f"{day.isoformat()}T00:00:00.000Z" if day else None


def mission(start, end=None, *, ghid=GHID, employer="Octo", status="service") -> dict:
    return {
        "start": when(start),
        "end": when(end),
        "status": status,
        "employer": employer,
        "startups": [{"uuid": f"uuid-{ghid}", "ghid": ghid}],
    }


def member(username: str, fullname: str, missions: list, *, email: str | None = "") -> dict:
    return {
        "uuid": f"uuid-{username}",
        "username": username,
        "fullname": fullname,
        "github": None,
        "primary_email": f"{username}@beta.gouv.fr" if email == "" else email,
        "secondary_email": None,
        "communication_email": "primary",
        "primary_email_status": "EMAIL_ACTIVE",
        "missions": missions,
    }


def detail(row: dict, domaine: str | None) -> dict:
    return {
        **{k: row[k] for k in ("uuid", "username", "fullname", "github", "primary_email")},
        "role": "",
        "domaine": domaine,
        "bio": None,
        "link": None,
        "secondary_email": None,
        "communication_email": "primary",
        "primary_email_status": "EMAIL_ACTIVE",
        "missions": row["missions"],
        "teams": None,
        "startups": [],
        "avatar": None,
        "isActive": True,
    }


class EspaceMembre:
    def __init__(self, server: LocalServer):
        self.server = server

    def publish(self, members: list[tuple[dict, str | None]], *, ghid: str = GHID) -> None:
        path = f"/api/protected/startups/{ghid}/members"
        self.server.route(path, json.dumps([row for row, _ in members]).encode())
        for row, domaine in members:
            body = json.dumps(detail(row, domaine)).encode()
            self.server.route(f"/api/protected/members/{row['username']}", body)

    def paths(self) -> list[str]:
        return [path for path, _ in self.server.requests]


@pytest.fixture
def espace_membre(db, settings, monkeypatch, startup, staff):
    monkeypatch.setattr(http, "BACKOFF_SECONDS", 0)
    with LocalServer() as server:
        settings.ESPACE_MEMBRE_URL = server.url("/")
        settings.ESPACE_MEMBRE_API_KEY = KEY
        settings.OUTBOUND_ALLOWED_HOSTS = [*settings.OUTBOUND_ALLOWED_HOSTS, "127.0.0.1"]
        yield EspaceMembre(server)


def the_team() -> list[tuple[dict, str | None]]:
    return [
        (member("anne.martin", "Anne Martin", [mission(TODAY - 300 * DAY)]), "Intraprenariat"),
        (
            member("bruno.petit", "Bruno Petit", [mission(TODAY - 30 * DAY, TODAY + 60 * DAY)]),
            "Développement",
        ),
        (member("chloe.roux", "Chloé Roux", [mission(TODAY - 30 * DAY, TODAY)]), "Data"),
        # Ended yesterday; starts tomorrow; on another startup only; no address.
        (member("denis.leroy", "Denis Leroy", [mission(TODAY - 90 * DAY, TODAY - DAY)]), "Design"),
        (member("emma.blanc", "Emma Blanc", [mission(TODAY + DAY)]), "Coaching"),
        (member("fanny.noel", "Fanny Noël", [mission(TODAY - DAY, ghid="autre")]), "Produit"),
        (member("gael.henry", "Gaël Henry", [mission(TODAY - DAY)], email=None), "Produit"),
    ]


def proposed() -> dict[str, tuple[str, str]]:
    return {p.email: (p.kind, p.role) for p in MembershipProposal.objects.open()}


def test_sync_proposes_the_active_missions_with_their_roles(espace_membre, startup):
    espace_membre.publish(the_team())

    run = members_sync(today=TODAY)

    assert run.status == SyncStatus.DONE, run.reason
    assert proposed() == {
        "anne.martin@beta.gouv.fr": (ProposalKind.JOIN, TeamRole.INTRAPRENEUR),
        "bruno.petit@beta.gouv.fr": (ProposalKind.JOIN, TeamRole.DEVELOPER),
        # A mission that ends today is still active; "Data" has no role of its own.
        "chloe.roux@beta.gouv.fr": (ProposalKind.JOIN, TeamRole.OTHER),
    }
    bruno = MembershipProposal.objects.get(email="bruno.petit@beta.gouv.fr")
    assert (bruno.name, bruno.domaine, bruno.employer) == ("Bruno Petit", "Développement", "Octo")
    assert (bruno.mission_start, bruno.mission_end) == (TODAY - 30 * DAY, TODAY + 60 * DAY)
    assert bruno.source == MembershipOrigin.ESPACE_MEMBRE
    assert run.counts == {
        "startups_read": 1,
        "proposed": 3,
        "not_active": 3,
        "without_email": 1,
    }
    # Nobody joins nor gets an account before the staff accept.
    assert not User.objects.filter(email__endswith="@beta.gouv.fr").exists()
    assert TeamMembership.objects.filter(startup=startup).count() == 0
    # The key goes in both headers espace-membre reads; the detail only for the new people.
    path, headers = espace_membre.server.requests[0]
    assert path == MEMBERS
    assert headers["X-Api-Key"] == KEY
    assert headers["Authorization"] == f"Bearer {KEY}"
    assert sorted(espace_membre.paths()[1:]) == [
        "/api/protected/members/anne.martin",
        "/api/protected/members/bruno.petit",
        "/api/protected/members/chloe.roux",
    ]


def test_a_member_already_in_the_team_is_not_proposed(espace_membre, startup, intrapreneur):
    row = member("intra", "Alex Intra", [mission(TODAY - DAY)], email="Intra@Example.org")
    espace_membre.publish([(row, "Intraprenariat")])

    run = members_sync(today=TODAY)

    assert run.counts == {"startups_read": 1, "unchanged": 1}
    assert not MembershipProposal.objects.exists()


def test_a_second_sync_proposes_nothing_new(espace_membre):
    espace_membre.publish(the_team())
    members_sync(today=TODAY)
    before = list(MembershipProposal.objects.values_list("pk", "status"))

    run = members_sync(today=TODAY)

    assert run.status == SyncStatus.DONE
    assert list(MembershipProposal.objects.values_list("pk", "status")) == before
    assert run.counts == {"startups_read": 1, "unchanged": 3, "not_active": 3, "without_email": 1}


def test_a_refused_proposal_is_not_made_again(espace_membre, staff):
    from startups.members import proposal_reject

    espace_membre.publish(the_team())
    members_sync(today=TODAY)
    chloe = MembershipProposal.objects.get(email="chloe.roux@beta.gouv.fr")
    assert proposal_reject(proposal=chloe, by=staff)

    members_sync(today=TODAY)

    assert MembershipProposal.objects.filter(email=chloe.email).count() == 1
    assert not TeamMembership.objects.filter(user__email=chloe.email).exists()


def accept(client, startup, **data):
    return client.post(reverse("startups:proposals-decide", args=[startup.slug]), data)


def test_accepting_one_invites_the_person_into_the_team_once(client, espace_membre, startup, staff):
    espace_membre.publish(the_team())
    members_sync(today=TODAY)
    anne = MembershipProposal.objects.get(email="anne.martin@beta.gouv.fr")
    client.force_login(staff)

    first = accept(client, startup, proposal=anne.pk)
    again = accept(client, startup, proposal=anne.pk)  # a double click

    assert first.status_code == again.status_code == 302
    user = User.objects.get(email="anne.martin@beta.gouv.fr")
    assert (user.first_name, user.last_name, user.is_active) == ("Anne", "Martin", True)
    assert not user.has_usable_password()  # ProConnect or a magic link sign her in
    membership = TeamMembership.objects.get(user=user, startup=startup)
    assert (membership.role, membership.origin) == (TeamRole.INTRAPRENEUR, "espace_membre")
    anne.refresh_from_db()
    assert (anne.status, anne.decided_by) == (ProposalStatus.ACCEPTED, staff)
    assert TeamMembership.objects.filter(startup=startup).count() == 1
    messages = [str(m) for m in again.wsgi_request._messages]
    assert messages[-1] == "Cette proposition a déjà été traitée."


def test_accepting_a_person_who_has_an_account_keeps_it(client, espace_membre, startup, staff):
    existing = User.objects.create_user("bruno.petit@beta.gouv.fr", password="secret-123")
    espace_membre.publish(the_team())
    members_sync(today=TODAY)
    client.force_login(staff)

    accept(client, startup, proposal=MembershipProposal.objects.get(email=existing.email).pk)

    existing.refresh_from_db()
    assert existing.has_usable_password()
    assert TeamMembership.objects.get(user=existing).role == TeamRole.DEVELOPER


def test_accepting_all(client, espace_membre, startup, staff):
    espace_membre.publish(the_team())
    members_sync(today=TODAY)
    client.force_login(staff)

    response = accept(client, startup, all="1")
    accept(client, startup, all="1")

    assert response.status_code == 302
    assert not MembershipProposal.objects.open().exists()
    roles = dict(TeamMembership.objects.filter(startup=startup).values_list("user__email", "role"))
    assert roles == {
        "anne.martin@beta.gouv.fr": TeamRole.INTRAPRENEUR,
        "bruno.petit@beta.gouv.fr": TeamRole.DEVELOPER,
        "chloe.roux@beta.gouv.fr": TeamRole.OTHER,
    }


def test_an_ended_mission_proposes_the_end_of_the_membership_from_espace_membre(
    client, espace_membre, startup, staff, intrapreneur
):
    anne = member("anne.martin", "Anne Martin", [mission(TODAY - 300 * DAY)])
    espace_membre.publish([(anne, "Intraprenariat")])
    members_sync(today=TODAY)
    client.force_login(staff)
    accept(client, startup, all="1")
    # Her mission ends; so does the one of the intrapreneur, added by hand in Comité.
    anne["missions"] = [mission(TODAY - 300 * DAY, TODAY + 10 * DAY)]
    intra = member("intra", "Alex Intra", [mission(TODAY - 99 * DAY, TODAY + 10 * DAY)])
    intra["primary_email"] = intrapreneur.email
    espace_membre.publish([(anne, "Intraprenariat"), (intra, "Intraprenariat")])
    later = TODAY + 11 * DAY

    run = members_sync(today=later)
    members_sync(today=later)

    assert run.counts == {"startups_read": 1, "ends_proposed": 1, "not_active": 1}
    end = MembershipProposal.objects.open().get()
    assert (end.kind, end.email, end.mission_end) == (
        ProposalKind.END,
        "anne.martin@beta.gouv.fr",
        TODAY + 10 * DAY,
    )
    # Nothing ends before the staff accept.
    assert TeamMembership.objects.filter(user__email=end.email).exists()
    accept(client, startup, proposal=end.pk)
    assert list(TeamMembership.objects.values_list("user__email", flat=True)) == [
        intrapreneur.email
    ]
    assert User.objects.filter(email=end.email).exists()  # the account stays


@pytest.mark.parametrize("persona", ["sponsor", "intrapreneur", "other_staff", "outsider"])
def test_only_the_startups_incubator_staff_accept(client, espace_membre, startup, persona, request):
    espace_membre.publish(the_team())
    members_sync(today=TODAY)
    client.force_login(request.getfixturevalue(persona))

    assert accept(client, startup, all="1").status_code == 403
    proposal = MembershipProposal.objects.first()
    assert accept(client, startup, proposal=proposal.pk).status_code == 403
    assert MembershipProposal.objects.open().count() == 3
    assert not User.objects.filter(email__endswith="@beta.gouv.fr").exists()


def test_a_proposal_of_another_startup_is_not_accepted_through_this_one(
    client, espace_membre, startup, staff
):
    mine = StartupFactory(slug="autre", incubator=startup.incubator)
    espace_membre.publish(the_team())
    members_sync(today=TODAY)
    client.force_login(staff)

    accept(client, mine, proposal=MembershipProposal.objects.first().pk)

    assert MembershipProposal.objects.open().count() == 3


def test_the_staff_page_lists_the_proposals_by_startup(client, espace_membre, startup, staff):
    espace_membre.publish(the_team())
    members_sync(today=TODAY)
    client.force_login(staff)

    page = get_page(client, reverse("startups:proposals"), queries=QUERIES).content.decode()

    assert "Mon Service" in page and "Tout accepter (3)" in page
    assert "Anne Martin" in page and "Développeur·se" in page
    assert "3 arrivées proposées" in page


def test_the_staff_page_makes_as_many_queries_for_many_proposals(
    client, espace_membre, startup, staff
):
    many = [(member(f"p{n}", f"Personne {n}", [mission(TODAY - DAY)]), "Design") for n in range(30)]
    espace_membre.publish(many)
    other = StartupFactory(slug="autre", incubator=startup.incubator)
    espace_membre.publish(many, ghid=other.slug)
    members_sync(today=TODAY)
    client.force_login(staff)

    get_page(client, reverse("startups:proposals"), queries=QUERIES)


def test_a_wrong_key_fails_with_its_reason_and_changes_nothing(espace_membre, caplog):
    body = json.dumps({"error": {"message": "Invalid api key."}}).encode()
    espace_membre.server.route(MEMBERS, body, statuses=[401])

    with caplog.at_level("DEBUG"):
        run = members_sync(today=TODAY)

    assert run.status == SyncStatus.FAILED
    assert "espace-membre refuse la clé ESPACE_MEMBRE_API_KEY (Réponse HTTP 401" in run.reason
    assert KEY not in run.reason and KEY not in caplog.text
    assert not MembershipProposal.objects.exists()
    assert len(espace_membre.server.requests) == 1  # a 401 is not tried again


@pytest.mark.parametrize(
    "payload",
    [
        {"error": "pas une liste"},
        [member("ok", "Bonne Personne", [mission(TODAY - DAY)]), {"fullname": "sans username"}],
        [member("x", "Date fausse", [{**mission(TODAY - DAY), "start": "hier"}])],
        [member("y", "Sans missions", None)],
    ],
)
def test_a_malformed_payload_changes_nothing(espace_membre, payload):
    espace_membre.server.route(MEMBERS, json.dumps(payload).encode())
    espace_membre.server.route("/api/protected/members/ok", json.dumps({"domaine": None}).encode())

    run = members_sync(today=TODAY)

    assert run.status == SyncStatus.FAILED
    assert run.reason.startswith(f"startups/{GHID}/members")
    assert not MembershipProposal.objects.exists()


def test_a_startup_unknown_to_espace_membre_is_skipped(espace_membre):
    run = members_sync(today=TODAY)  # the server answers 404 as the route does

    assert (run.status, run.counts) == (SyncStatus.DONE, {"startups_unknown": 1})


def test_a_blocked_host_is_not_reached(espace_membre, settings):
    settings.ESPACE_MEMBRE_URL = "https://espace-membre.example.org"

    run = members_sync(today=TODAY)

    assert (run.status, run.reason) == (
        SyncStatus.FAILED,
        "Hôte non autorisé : espace-membre.example.org",
    )
    assert not espace_membre.server.requests
    assert not MembershipProposal.objects.exists()


def test_a_redirect_is_not_followed_with_the_key(espace_membre):
    espace_membre.server.route(
        MEMBERS, statuses=[302], headers={"Location": espace_membre.server.url("/ailleurs")}
    )

    run = members_sync(today=TODAY)

    assert run.status == SyncStatus.FAILED and "Réponse HTTP 302" in run.reason
    assert espace_membre.paths() == [MEMBERS]


def test_without_a_key_the_command_refuses(espace_membre, settings):
    settings.ESPACE_MEMBRE_API_KEY = ""

    with pytest.raises(CommandError, match="ESPACE_MEMBRE_API_KEY n’est pas renseignée"):
        call_command("sync_members")

    assert not espace_membre.server.requests
    assert MemberSync.objects.get().status == SyncStatus.FAILED


def test_the_command_reports_its_counts(espace_membre, capsys):
    espace_membre.publish(the_team())

    call_command("sync_members")

    out = capsys.readouterr().out
    assert "arrivées proposées : 3" in out and "Lecture terminée." in out


def test_the_nightly_task_runs_one_sync(espace_membre):
    espace_membre.publish(the_team())
    entry = django_settings.CELERY_BEAT_SCHEDULE["espace-membre-sync"]
    assert entry == {"task": "startups.tasks.sync_members", "schedule": crontab(hour=3, minute=15)}

    sync_members.apply()
    sync_members.apply()

    assert MembershipProposal.objects.count() == 3
    assert MemberSync.objects.filter(status=SyncStatus.DONE).count() == 2


def test_a_member_espace_membre_no_longer_lists_is_proposed_to_leave(
    client, espace_membre, startup, staff
):
    anne = member("anne.martin", "Anne Martin", [mission(TODAY - 300 * DAY)])
    espace_membre.publish([(anne, "Intraprenariat")])
    members_sync(today=TODAY)
    client.force_login(staff)
    accept(client, startup, all="1")
    espace_membre.publish([])

    run = members_sync(today=TODAY)
    members_sync(today=TODAY)

    assert run.counts == {"startups_read": 1, "ends_proposed": 1}
    end = MembershipProposal.objects.open().get()
    assert (end.kind, end.email, end.name, end.mission_start) == (
        ProposalKind.END,
        "anne.martin@beta.gouv.fr",
        "Anne Martin",
        TODAY - 300 * DAY,
    )


@pytest.mark.parametrize(
    "printed", ["2026-03-02T00:00:00.000Z", "2026-03-01T23:00:00.000Z", "2026-03-02"]
)
def test_a_mission_date_is_read_as_the_day_in_paris(printed):
    from startups.members import date_of

    assert date_of(printed, "mission") == datetime.date(2026, 3, 2)


def test_erasing_a_person_erases_their_proposals(espace_membre, startup, staff, client):
    from committees.sessions.people import person_erase

    espace_membre.publish(the_team())
    members_sync(today=TODAY)
    client.force_login(staff)
    anne = MembershipProposal.objects.get(email="anne.martin@beta.gouv.fr")
    accept(client, startup, proposal=anne.pk)

    person_erase(user=User.objects.get(email=anne.email))

    assert not MembershipProposal.objects.filter(email=anne.email).exists()
    assert MembershipProposal.objects.count() == 2
